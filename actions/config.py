"""The schema of `preprod.yaml`: one typed settings object, validated with pydantic.

Secrets never live here: they come from the environment (see `bot/env_vars.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from actions.chaos.policy import ChaosPolicy
from actions.defects.config import DefectsConfig
from actions.insight.config import InsightConfig
from actions.report.approval import ApprovalConfig
from actions.report.criteria import parse_criterion
from actions.report.failure_notice import NotificationsConfig
from actions.report.risk import RiskConfig
from actions.scan.config import ScanConfig
from actions.seed.config import SeedConfig
from actions.telemetry.credentials import BackendName, Credentials, read_credentials
from actions.telemetry.policy import RollbackPolicy
from actions.telemetry.recorder import Metric
from actions.telemetry.settings import TelemetryConfig

STEPS = ("deploy", "parity", "seed", "e2e", "load", "scan", "chaos", "analyze", "report")
"""Every step a plan may name, in the default order."""

ROLES = ("viewer", "engineer", "release-manager", "admin")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocalService(Strict):
    """How the local environment runs one service of a release as a process."""

    command: list[str] = Field(min_length=1)
    cwd: str = "."
    health: str = "/healthz"
    env: dict[str, str] = Field(default_factory=dict)


class KubeService(Strict):
    """Where a service lives in Kubernetes: its Deployment and the container to update."""

    deployment: str | None = None  # default: the service's name
    container: str | None = None  # default: the container named like the service, else the first


class ServiceConfig(Strict):
    local: LocalService | None = None
    image: str | None = None  # repository; a release's image is `<image>:<version>`
    kubernetes: KubeService = Field(default_factory=lambda: KubeService())
    owner: str | None = None
    depends_on: list[str] = Field(default_factory=list)


class E2EConfig(Strict):
    class Selection(Strict):
        """`e2e.selection`: how `--select smart` ranks and cuts (actions/testing/selection.py)."""

        budget: str = "50%"  # a duration (2m) or a share of the suite's expected duration
        map: dict[str, list[str]] = Field(default_factory=dict)  # changed-path glob: test globs
        history_runs: int = Field(50, ge=1)  # past runs read
        half_life_runs: float = Field(10.0, gt=0)  # a run this many runs old counts half

        @field_validator("budget")
        @classmethod
        def _budget_is_a_duration_or_share(cls, value: str) -> str:
            from actions.durations import parse_duration

            text = value.strip()
            if text.endswith("%"):
                try:
                    share = float(text[:-1])
                except ValueError:
                    share = -1.0
                if not 0 < share <= 100:
                    raise ValueError(f"{value!r} is not a share of the suite (use e.g. 40%)")
            else:
                parse_duration(text)
            return text

    command: list[str] = Field(min_length=1)
    cwd: str = "."
    timeout: str = "10m"
    rerun_failed: bool = True  # run failed tests once more: one that passes then is flaky
    rerun_command: list[str] | None = None  # when not pytest; `{tests}`: the failed tests' names
    selection: Selection = Field(default_factory=Selection)


class LoadConfig(Strict):
    """The load step: a Locust locustfile, or a traffic profile run by the generic harness.

    With a profile, its users, spawn rate and duration apply unless set here (or by the
    command); with `workers`, a master and that many worker processes share the load.
    """

    locustfile: str | None = None  # relative to the config's folder
    profile: str | None = None  # a traffic profile (YAML), relative to the config's folder
    service: str
    users: int = Field(10, ge=1)
    spawn_rate: float = Field(5, gt=0)
    duration: str = "20s"
    timeout: str = "5m"
    workers: int = Field(0, ge=0)  # 0: one Locust process; N: a master and N workers

    @model_validator(mode="after")
    def _one_script(self) -> LoadConfig:
        if (self.locustfile is None) == (self.profile is None):
            raise ValueError("give exactly one of locustfile and profile")
        return self


class AppConfig(Strict):
    services: dict[str, ServiceConfig] = Field(min_length=1)
    baseline: str | None = None
    releases_dir: str | None = None
    e2e: E2EConfig | None = None
    load: LoadConfig | None = None
    scan: ScanConfig = Field(default_factory=lambda: ScanConfig())
    seed: SeedConfig | None = None

    @model_validator(mode="after")
    def _dependencies_exist(self) -> AppConfig:
        for name, svc in self.services.items():
            for dep in svc.depends_on:
                if dep not in self.services:
                    raise ValueError(f"service {name!r} depends on unknown service {dep!r}")
        return self


class EnvironmentConfig(Strict):
    kind: Literal["local", "kubernetes"] = "local"
    protected: bool = False
    chaos_allowed: bool = False
    production_twin: str | None = None
    host: str = "127.0.0.1"
    workdir: str | None = None
    teardown_after_run: bool = True
    health_timeout: str = "20s"
    # kind: kubernetes
    namespace: str | None = None
    context: str | None = None  # kubeconfig context; none: the current one, or in-cluster
    kubeconfig: str | None = None  # none: $KUBECONFIG or ~/.kube/config, else in-cluster
    allowed_namespaces: list[str] = Field(default_factory=list)  # default: [namespace]
    allowed_contexts: list[str] = Field(default_factory=list)  # default: [context] when set
    rollout_timeout: str = "5m"
    flags_configmap: str = "preprod-flags"
    urls: dict[str, str] = Field(default_factory=dict)  # service -> base URL ({namespace})
    databases: dict[str, str] = Field(default_factory=dict)  # seed database -> URL, over the app's
    canary: bool = False  # deploy the candidate beside the baseline instead of over it
    canary_replicas: int = Field(1, ge=1)
    # distributed load (`workers` > 0) runs as Jobs of this image: Locust's own for a locustfile,
    # the preprod image (Locust and preprod installed) for a traffic profile
    load_image: str | None = None

    @model_validator(mode="after")
    def _kubernetes_needs_a_namespace(self) -> EnvironmentConfig:
        if self.kind == "kubernetes" and not self.namespace:
            raise ValueError("a kubernetes environment needs a namespace")
        allowed = self.allowed_namespaces
        if self.namespace and allowed and self.namespace not in allowed:
            raise ValueError(f"namespace {self.namespace!r} is not in allowed_namespaces")
        if self.context and self.allowed_contexts and self.context not in self.allowed_contexts:
            raise ValueError(f"context {self.context!r} is not in allowed_contexts")
        return self

    def namespace_allowed(self, namespace: str) -> bool:
        """Namespaces this environment may touch: its allowlist, or only its own namespace."""
        return namespace in (self.allowed_namespaces or [str(self.namespace)])

    def context_allowed(self, context: str | None) -> bool:
        allowed = self.allowed_contexts or ([self.context] if self.context else [])
        return not allowed or context in allowed


class SLO(Strict):
    """An objective on a measurement of a step, e.g. `load.p95_ms < 300`."""

    name: str
    metric: str
    objective: str
    warning: str | None = None
    key: bool = False
    weight: float = Field(1.0, gt=0)
    endpoint: str | None = None

    @field_validator("objective", "warning")
    @classmethod
    def _valid_criterion(cls, value: str | None) -> str | None:
        if value is not None:
            parse_criterion(value)
        return value

    @field_validator("metric")
    @classmethod
    def _qualified(cls, value: str) -> str:
        if "." not in value:
            raise ValueError(f"{value!r} must name its step, e.g. 'load.p95_ms'")
        return value


class GateConfig(Strict):
    """Total-score thresholds, and which earlier runs relative objectives compare with (Keptn)."""

    pass_score: float = Field(90, ge=0, le=100)
    warning_score: float = Field(75, ge=0, le=100)
    compare_with: Literal["single_result", "several_results"] = "single_result"
    number_of_comparison_results: int = Field(3, ge=1, le=50)
    include_result_with_score: Literal["pass", "pass_or_warn", "all"] = "pass"
    risk: RiskConfig = Field(default_factory=RiskConfig)  # the verdict's weights and thresholds

    @property
    def comparison_count(self) -> int:
        return 1 if self.compare_with == "single_result" else self.number_of_comparison_results

    @property
    def comparison_verdicts(self) -> tuple[str, ...]:
        return {
            "pass": ("go",),
            "pass_or_warn": ("go", "go with risk"),
            "all": ("go", "go with risk", "no-go"),
        }[self.include_result_with_score]


class RoleMembers(Strict):
    users: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)


class PermissionsConfig(Strict):
    roles: dict[Literal["viewer", "engineer", "release-manager", "admin"], RoleMembers] = Field(
        default_factory=dict
    )
    default_role: Literal["none", "viewer", "engineer", "release-manager", "admin"] = "viewer"
    cli_role: Literal["none", "viewer", "engineer", "release-manager", "admin"] = "engineer"


class ChannelsConfig(Strict):
    default: str | None = None


class ScheduleConfig(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    cron: str
    command: str
    channel: str | None = None
    timezone: str = "UTC"


class StorageConfig(Strict):
    path: str = ".preprod/preprod.db"
    artifacts: str = ".preprod/artifacts"


class Settings(Strict):
    """The whole of `preprod.yaml`."""

    version: Literal[1] = 1
    storage: StorageConfig = Field(default_factory=StorageConfig)
    default_environment: str | None = None
    environments: dict[str, EnvironmentConfig] = Field(min_length=1)
    apps: dict[str, AppConfig] = Field(min_length=1)
    plan: list[str] = Field(default_factory=lambda: ["deploy", "e2e", "load", "report"])
    slos: list[SLO] = Field(default_factory=list)
    gate: GateConfig = Field(default_factory=lambda: GateConfig())
    permissions: PermissionsConfig = Field(default_factory=PermissionsConfig)
    channels: ChannelsConfig = Field(default_factory=ChannelsConfig)
    schedules: list[ScheduleConfig] = Field(default_factory=list)
    telemetry: TelemetryConfig = Field(default_factory=lambda: TelemetryConfig())
    rollback_policies: list[RollbackPolicy] = Field(default_factory=list)
    chaos: ChaosPolicy = Field(default_factory=lambda: ChaosPolicy())
    insight: InsightConfig = Field(default_factory=InsightConfig)
    defects: DefectsConfig = Field(default_factory=DefectsConfig)
    approval: ApprovalConfig = Field(default_factory=ApprovalConfig)
    notifications: NotificationsConfig = Field(default_factory=NotificationsConfig)
    base_dir: Path = Field(default=Path("."), exclude=True)
    _credentials: dict[str, Credentials] = PrivateAttr(default_factory=dict)
    _secrets: dict[str, str] = PrivateAttr(default_factory=dict)

    def credentials(self, backend: BackendName) -> Credentials:
        """A telemetry backend's credentials, read from the environment at load (none if unset)."""
        return self._credentials.get(backend) or Credentials(backend)

    def read_credentials(self, environ: Mapping[str, str]) -> None:
        """Read the credentials of every configured telemetry backend once, from `environ`."""
        for backend in ("prometheus", "loki", "tempo"):
            if getattr(self.telemetry, backend) is not None:
                self._credentials[backend] = read_credentials(backend, environ)
        for app in self.apps.values():
            if app.seed is not None:
                for name in app.seed.secret_names():
                    if environ.get(name):
                        self._secrets[name] = environ[name]

    def secret(self, name: str) -> str | None:
        """A secret the config names (a seed key, a database password), read at load."""
        return self._secrets.get(name)

    @field_validator("plan")
    @classmethod
    def _known_steps(cls, plan: list[str]) -> list[str]:
        for step in plan:
            if step not in STEPS:
                raise ValueError(f"unknown step {step!r}; steps are {', '.join(STEPS)}")
        if len(set(plan)) != len(plan):
            raise ValueError("a step appears twice in the plan")
        return plan

    @model_validator(mode="after")
    def _references_exist(self) -> Settings:
        if self.default_environment and self.default_environment not in self.environments:
            raise ValueError(f"default_environment {self.default_environment!r} is not defined")
        for name, env in self.environments.items():
            if env.production_twin and env.production_twin not in self.environments:
                raise ValueError(f"environment {name!r}: production_twin is not defined")
        for env_name in self.chaos.allowed_environments:
            if env_name not in self.environments:
                raise ValueError(f"chaos.allowed_environments: {env_name!r} is not defined")
            if self.environments[env_name].protected:
                raise ValueError(
                    f"chaos.allowed_environments: {env_name!r} is protected: never a chaos target"
                )
        for policy in self.rollback_policies:
            unknown = [e for e in policy.environments if e not in self.environments]
            if unknown:
                raise ValueError(
                    f"rollback policy {policy.name!r}: unknown environment(s) {unknown}"
                )
            metrics = [*get_args(Metric), *(sli.name for sli in self.telemetry.slis)]
            if policy.metric not in metrics:
                raise ValueError(
                    f"rollback policy {policy.name!r}: unknown metric {policy.metric!r}; "
                    f"metrics are {', '.join(metrics)}"
                )
        return self

    def resolve(self, path: str) -> Path:
        """A path from the config, relative to the config file's folder."""
        p = Path(path)
        return p if p.is_absolute() else (self.base_dir / p).resolve()

    def environment_name(self, name: str | None) -> str:
        """The environment to use: the named one, else the default, else the only one."""
        if name:
            return name
        if self.default_environment:
            return self.default_environment
        return next(iter(self.environments))
