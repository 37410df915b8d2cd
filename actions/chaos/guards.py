"""The safety guards of chaos experiments, enforced in code before anything breaks. Pure.

`evaluate` lists every reason an experiment may not run on an environment and whether it needs an
approval; `check` raises `ChaosRefused` with all the reasons at once. `abort_decision` judges the
experiment's abort thresholds over the readings so far, and `plan_rollbacks` lists what undoes a
run, so that a runner and the crash recovery at start-up execute the same list.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from actions.chaos.experiment import (
    RECORDER_METRICS,
    AbortCondition,
    Experiment,
    Fault,
    HttpCall,
    Pause,
)
from actions.chaos.policy import ChaosPolicy
from actions.config import EnvironmentConfig
from actions.errors import PermissionDenied
from actions.report.criteria import parse_criterion

_EPSILON = 1e-9


@dataclass(frozen=True)
class Violation:
    """One reason an experiment may not run: a stable `code` for programs, a message for people."""

    code: str
    message: str


@dataclass(frozen=True)
class Verdict:
    violations: tuple[Violation, ...]
    needs_approval: bool
    approval_role: str | None = None  # set when an approval is needed

    @property
    def allowed(self) -> bool:
        """Nothing forbids the run (it may still wait for an approval)."""
        return not self.violations


class ChaosRefused(PermissionDenied):
    """An experiment may not run where asked; the message gives every reason."""

    def __init__(self, experiment: str, environment: str, violations: Sequence[Violation]):
        self.violations = tuple(violations)
        reasons = "; ".join(v.message for v in self.violations)
        super().__init__(f"chaos {experiment} on {environment} refused: {reasons}")


def blast_limit(experiment: Experiment, policy: ChaosPolicy) -> float:
    """The largest share of one service's instances a fault may touch: the stricter limit."""
    return min(experiment.blast_radius.instances, policy.max_blast_radius)


def share_touched(fault: Fault, replicas: int | None) -> tuple[float, int, int]:
    """(share, instances touched, instances) of the fault's service; unknown counts as one."""
    total = replicas if replicas is not None and replicas >= 1 else 1
    touched = min(fault.instances.touched(total), total)
    return touched / total, touched, total


def evaluate(
    experiment: Experiment,
    env_name: str,
    env_config: EnvironmentConfig,
    policy: ChaosPolicy,
    *,
    replicas: Mapping[str, int] | None = None,
    active: Collection[str] = (),
    slis: Collection[str] | None = None,
    services: Collection[str] | None = None,
) -> Verdict:
    """Every reason `experiment` may not run on `env_name`, and whether it needs an approval.

    `replicas`: the running instances of each service (a missing one counts as one, the worst
    case); `active`: what already runs chaos on the environment; `slis` and `services`, when
    given, are the metric and service names the experiment may refer to.
    """
    name = experiment.name or experiment.title
    found: list[Violation] = []

    def refuse(code: str, message: str) -> None:
        found.append(Violation(code, message))

    if env_config.protected:
        refuse("protected", f"environment {env_name} is protected: chaos never targets it")
    if not env_config.chaos_allowed:
        refuse("chaos_not_allowed", f"environment {env_name} does not say chaos_allowed: true")
    if env_name not in policy.allowed_environments:
        allowed = ", ".join(policy.allowed_environments) or "none"
        refuse("not_allowlisted", f"{env_name} is not in chaos.allowed_environments ({allowed})")
    if experiment.environments and env_name not in experiment.environments:
        refuse(
            "experiment_environments",
            f"experiment {name} runs only on {', '.join(experiment.environments)}",
        )
    if active:
        refuse("busy", f"{env_name} already runs chaos: {', '.join(sorted(active))}")

    limit_s = policy.max_duration_s
    if experiment.total_duration_s > limit_s + _EPSILON:
        refuse(
            "duration",
            f"experiment {name} lasts up to {experiment.total_duration_s:g}s, more than "
            f"chaos.max_duration {policy.max_duration} ({limit_s:g}s)",
        )
    touched = experiment.services
    if len(touched) > policy.max_services:
        refuse(
            "services",
            f"experiment {name} touches {len(touched)} services, more than "
            f"chaos.max_services {policy.max_services}",
        )

    limit = blast_limit(experiment, policy)
    for index, fault in experiment.faults:
        count = (replicas or {}).get(fault.service)
        share, hit, total = share_touched(fault, count)
        assumed = "" if count else " (instance count unknown: assumed 1)"
        if fault.instances.count is not None and count and fault.instances.count > count:
            refuse(
                "instances",
                f"method {index} ({fault.label}) asks for {fault.instances.count} instances of "
                f"{fault.service}, which has {count}",
            )
        if share > limit + _EPSILON:
            refuse(
                "blast_radius",
                f"method {index} ({fault.label}) touches {hit} of {total} instance(s) of "
                f"{fault.service} ({share:.0%}){assumed}, more than the blast radius {limit:.0%}",
            )
        if fault.type == "scale_to_zero" and env_config.kind != "kubernetes":
            refuse(
                "kind",
                f"method {index} ({fault.label}) needs a kubernetes environment; "
                f"{env_name} is {env_config.kind}",
            )

    if services is not None:
        named = touched | {p.service for p in experiment.steady_state.probes if p.service}
        named |= {r.service for r in experiment.rollbacks}
        if experiment.traffic is not None:
            named.add(experiment.traffic.service)
        for service in sorted(named - set(services)):
            refuse("unknown_service", f"experiment {name} names unknown service {service}")
    if slis is not None:
        known = {*RECORDER_METRICS, *slis}
        for probe in experiment.steady_state.probes:
            if probe.type == "slo" and probe.metric not in known:
                refuse("unknown_metric", f"probe {probe.label}: unknown metric {probe.metric}")

    destructive = experiment.destructive
    return Verdict(tuple(found), destructive, policy.approval_role if destructive else None)


def check(
    experiment: Experiment,
    env_name: str,
    env_config: EnvironmentConfig,
    policy: ChaosPolicy,
    *,
    replicas: Mapping[str, int] | None = None,
    active: Collection[str] = (),
    slis: Collection[str] | None = None,
    services: Collection[str] | None = None,
) -> Verdict:
    """`evaluate`, raising `ChaosRefused` with every reason when the run is not allowed."""
    verdict = evaluate(
        experiment,
        env_name,
        env_config,
        policy,
        replicas=replicas,
        active=active,
        slis=slis,
        services=services,
    )
    if not verdict.allowed:
        raise ChaosRefused(experiment.name or experiment.title, env_name, verdict.violations)
    return verdict


@dataclass(frozen=True)
class Reading:
    """One value of a steady-state metric of a service at a time; None is a gap (no data)."""

    at: float
    metric: str
    service: str | None
    value: float | None


@dataclass(frozen=True)
class AbortDecision:
    abort: bool
    reasons: tuple[str, ...] = ()


def abort_decision(
    guard: Sequence[AbortCondition], readings: Sequence[Reading], now: float | None = None
) -> AbortDecision:
    """Abort when a condition has held for its `for` up to `now` (default: the latest reading).

    Each service is judged on its own. A gap neither starts nor ends a breach: a service that
    stops answering while it breaches keeps breaching.
    """
    reasons: list[str] = []
    for condition in guard:
        criterion = parse_criterion(condition.breach)
        matching = [
            r
            for r in readings
            if r.metric == condition.metric and condition.service in (None, r.service)
        ]
        for service in sorted({r.service or "" for r in matching}):
            series = sorted((r for r in matching if (r.service or "") == service), key=_at)
            since: float | None = None
            last_value = 0.0
            for reading in series:
                if reading.value is None:
                    continue
                if criterion.holds(reading.value, None):
                    since = reading.at if since is None else since
                    last_value = reading.value
                else:
                    since = None
            if since is None:
                continue
            end = now if now is not None else series[-1].at
            lasted = end - since
            if lasted + _EPSILON >= condition.for_:
                where = f" of {service}" if service else ""
                reasons.append(
                    f"guard {condition}: {condition.metric}{where} at {last_value:.4g} has been "
                    f"{condition.breach} for {lasted:.0f}s"
                )
    return AbortDecision(bool(reasons), tuple(reasons))


def _at(reading: Reading) -> float:
    return reading.at


@dataclass(frozen=True)
class RollbackStep:
    """One step of undoing a run: a fault's own undo, or an explicit rollback of the experiment.

    `index` is the fault's index in the method, or the rollback's in `rollbacks`.
    """

    kind: Literal["undo", "rollback"]
    action: str
    service: str
    index: int
    description: str


_UNDO = {
    "latency": "remove the latency on {s}",
    "errors": "stop injecting errors into {s}",
    "reset": "stop resetting connections to {s}",
    "blackhole": "let traffic reach {s} again",
    "bandwidth": "lift the bandwidth limit on {s}",
    "shutdown": "start the stopped instances of {s} again",
    "scale_to_zero": "scale {s} back to its replicas before the experiment",
}


def plan_rollbacks(experiment: Experiment, applied: Sequence[int]) -> list[RollbackStep]:
    """The undo of every applied fault, latest first and each once, then the explicit rollbacks.

    `applied`: indices of the method's steps that were started, in order (repeats and pauses
    are fine). Rollbacks always run, whether the method finished, failed or was aborted; every
    step must be safe to repeat, since a crash may interrupt the list itself.
    """
    seen: list[int] = []
    for index in applied:
        if not 0 <= index < len(experiment.method):
            raise ValueError(
                f"method {index} does not exist (the method has {len(experiment.method)})"
            )
        if index not in seen and not isinstance(experiment.method[index], Pause):
            seen.append(index)
    steps: list[RollbackStep] = []
    for index in reversed(seen):
        fault = experiment.method[index]
        assert not isinstance(fault, Pause)
        description = _UNDO[fault.type].format(s=fault.service)
        steps.append(RollbackStep("undo", fault.type, fault.service, index, description))
    for index, rollback in enumerate(experiment.rollbacks):
        if isinstance(rollback, HttpCall):
            description = f"{rollback.method} {rollback.service} {rollback.path}"
        else:
            description = f"restore {rollback.service} as it was before the experiment"
        steps.append(RollbackStep("rollback", rollback.type, rollback.service, index, description))
    return steps
