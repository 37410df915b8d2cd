"""The `kubernetes` environment: an app's Deployments in one namespace, through the official client.

Safety is enforced here, before any request: the namespace and context allowlists on every
method, and a `protected` environment is read-only (status, URLs, logs and events only).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from actions.config import Settings
from actions.environments.base import (
    DeployOutcome,
    EnvironmentStatus,
    EventRecord,
    LogLine,
    Progress,
    Release,
)
from actions.environments.kubernetes import logs
from actions.environments.kubernetes.client import KubeApi, check_target, connect
from actions.environments.kubernetes.deploy import Deployer
from actions.environments.kubernetes.judge import RolloutPolicy
from actions.environments.kubernetes.load_jobs import ClusterLoad
from actions.environments.kubernetes.objects import name
from actions.environments.kubernetes.resources import Cluster
from actions.environments.kubernetes.revisions import pods_of
from actions.environments.kubernetes.rollout import WINDOW_S
from actions.environments.kubernetes.status import event_record, read_status
from actions.environments.kubernetes.targets import Target, app_targets, running_release
from actions.errors import ConfigError, EnvironmentFailure, PermissionDenied

if TYPE_CHECKING:
    from actions.environments.kubernetes.chaos import KubernetesInjector


class KubernetesEnvironment:
    """An app's Deployments in one namespace: deploy, roll back, canary, status, logs, events."""

    kind = "kubernetes"

    def __init__(
        self,
        name: str,
        settings: Settings,
        api: KubeApi | None = None,
        *,
        policy: RolloutPolicy | None = None,
        watch_window_s: int = WINDOW_S,
    ) -> None:
        config = settings.environments.get(name)
        if config is None or config.kind != "kubernetes":
            raise ConfigError(f"{name!r} is not a kubernetes environment of this configuration")
        self.name, self.settings, self.config = name, settings, config
        self.policy = policy or RolloutPolicy()
        self.watch_window_s = watch_window_s
        self._api = api
        self._cluster: Cluster | None = None

    def deploy(self, release: Release, progress: Progress) -> DeployOutcome:
        """Update each service's Deployment (or its canary) and follow each rollout to its end."""
        self._guard(mutating=True)
        targets = app_targets(self.settings, release.app)
        return self._deployer().deploy(release, targets, progress)

    def rollback(
        self, progress: Progress, *, app: str | None = None, services: list[str] | None = None
    ) -> DeployOutcome:
        """Return the Deployments the last deploy changed (or the named services') to their
        previous revision, as `kubectl rollout undo` does, and follow the rollouts. In canary
        mode the baseline never changed: going back deletes the canaries."""
        self._guard(mutating=True)
        app_name = self._app_name(app)
        targets = app_targets(self.settings, app_name)
        if services:
            unknown = sorted(set(services) - {t.service for t in targets})
            if unknown:
                raise ConfigError(f"no such service: {', '.join(unknown)}")
            targets = [t for t in targets if t.service in services]
        if self.config.canary:
            return self._remove_canaries(app_name, targets, progress)
        return self._deployer().rollback(app_name, targets, progress, explicit=bool(services))

    def teardown(self) -> None:
        """Delete the canary Deployments preprod made (nothing else, ever); outside canary mode,
        nothing: a cluster is not torn down after a run."""
        self._guard(mutating=True)
        if self.config.canary:
            self._deployer().remove_canaries(self._all())

    def status(self, app: str | None = None) -> EnvironmentStatus:
        """Per service: images, replicas, restarts, age, recent warnings; and the app's version."""
        self._guard(mutating=False)
        app_name = self._app_name(app)
        targets = app_targets(self.settings, app_name)
        found = read_status(
            self._connect(), targets, self.urls(), self.config.canary, datetime.now(UTC)
        )
        return EnvironmentStatus(
            name=self.name,
            kind=self.kind,
            app=app_name,
            version=found.version,
            previous_version=found.previous_version,
            services=found.services,
        )

    def urls(self) -> dict[str, str]:
        """Base URL of each service that has one in the config (`{namespace}`, `{service}`)."""
        namespace = self._guard(mutating=False)
        return {
            service: url.replace("{namespace}", namespace).replace("{service}", service)
            for service, url in self.config.urls.items()
        }

    def logs(self, service: str, tail: int = 200) -> list[str]:
        """The last log lines of the service's pods (each prefixed by its pod when several)."""
        lines = self.logs_window(service, None, None, tail)
        several = len({line.pod for line in lines}) > 1
        return [f"{line.pod} {line.text}" if several else line.text for line in lines]

    def logs_window(
        self, service: str, since: datetime | None, until: datetime | None, tail: int | None
    ) -> list[LogLine]:
        """Timestamped log lines of every pod of the service's Deployment within [since, until]."""
        self._guard(mutating=False)
        target = self._target(service)
        cluster = self._connect()
        deployment = cluster.deployment(target.deployment)
        container = target.container_of(deployment)
        now = datetime.now(UTC)
        return logs.logs_window(
            cluster, deployment, str(container.get("name")), since, until, tail, now
        )

    def events(
        self, service: str | None = None, since: datetime | None = None
    ) -> list[EventRecord]:
        """The namespace's events (or those about one service's Deployment, ReplicaSets, pods)."""
        self._guard(mutating=False)
        cluster = self._connect()
        found = cluster.events()
        if service is not None:
            deployment = cluster.deployment(self._target(service).deployment)
            rss = cluster.replicasets(deployment)
            pods = [p for rs in rss for p in pods_of(rs, cluster.pods(deployment))]
            names = {name(deployment), *(name(r) for r in rss), *(name(p) for p in pods)}
            found = [e for e in found if (e.get("involvedObject") or {}).get("name") in names]
        records = [event_record(e) for e in found]
        if since is not None:
            records = [r for r in records if r.last_time is None or r.last_time >= since]
        return sorted(records, key=lambda r: r.last_time or datetime.min.replace(tzinfo=UTC))

    def _remove_canaries(
        self, app: str, targets: list[Target], progress: Progress
    ) -> DeployOutcome:
        """In canary mode the baseline never changed: going back is removing the canaries."""
        cluster = self._connect()
        current = {t.service: cluster.deployment(t.deployment) for t in targets}
        baseline = running_release(app, targets, current)
        removed = self._deployer().remove_canaries(targets)
        for removed_name in removed:
            progress(f"deleted {removed_name}")
        return DeployOutcome(
            ok=True,
            summary=f"canaries of {app} removed from {self.name}; "
            f"the baseline {baseline.version} was never changed",
            release=baseline,
            urls=self.urls(),
            details=[f"deleted {n}" for n in removed] or ["there was no canary to delete"],
        )

    def load_runner(self) -> ClusterLoad:
        """Distributed load as Jobs in this environment's namespace (a change: guarded)."""
        self._guard(mutating=True)
        return ClusterLoad(self._connect())

    def chaos_injector(self) -> KubernetesInjector:
        """Fault injection into this environment's namespace; each change is guarded."""
        from actions.environments.kubernetes.chaos import KubernetesInjector  # imports this module

        return KubernetesInjector(self)

    def close(self) -> None:
        if self._api is not None:
            self._api.close()

    def _guard(self, *, mutating: bool) -> str:
        """The namespace, once the allowlists and (for changes) `protected` allow it."""
        namespace = self._api.namespace if self._api else str(self.config.namespace)
        context = self._api.context if self._api else self.config.context
        if self._api is not None or context is not None:
            check_target(self.name, self.config, namespace, context)
        elif not self.config.namespace_allowed(namespace):
            # the context is the kubeconfig's current one: `connect` checks it once it is loaded
            check_target(self.name, self.config, namespace, None)
        if mutating and self.config.protected:
            raise PermissionDenied(f"environment {self.name} is protected: read-only")
        return namespace

    def _connect(self) -> Cluster:
        if self._cluster is None:
            if self._api is None:
                self._api = connect(self.name, self.config, self.settings.base_dir)
            self._cluster = Cluster(self._api)
        return self._cluster

    def _deployer(self) -> Deployer:
        return Deployer(
            self.name, self.config, self._connect(), self.policy, self.watch_window_s, self.urls
        )

    def _app_name(self, app: str | None) -> str:
        """The app asked for; else the only one; else the first whose Deployments exist here."""
        if app is not None:
            if app not in self.settings.apps:
                raise ConfigError(f"unknown app {app!r}")
            return app
        names = list(self.settings.apps)
        if len(names) == 1:
            return names[0]
        cluster = self._connect()
        for candidate in names:
            targets = app_targets(self.settings, candidate)
            if any(cluster.deployment_or_none(t.deployment) for t in targets):
                return candidate
        return names[0]

    def _all(self) -> list[Target]:
        return [t for app in self.settings.apps for t in app_targets(self.settings, app)]

    def _target(self, service: str) -> Target:
        for target in self._all():
            if target.service == service:
                return target
        known = ", ".join(sorted({t.service for t in self._all()}))
        raise EnvironmentFailure(f"{self.name} runs no service {service!r}; it runs {known}")
