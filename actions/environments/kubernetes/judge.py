"""Is a rollout done, still progressing, or stalled, and why: a pure judgement of one moment.

"Done" is `kubectl rollout status`'s rule. "Stalled" is what a person would recognise without
waiting for the full timeout: the progress deadline passed, or a pod of the new revision cannot
pull its image, cannot create its container, crash-loops, fails its readiness probe past a short
grace, or cannot be scheduled past a longer one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from actions.environments.kubernetes.objects import Obj, meta, name, parse_time

PULL_FAILURES = frozenset({"ImagePullBackOff", "ErrImagePull", "InvalidImageName"})
CREATE_FAILURES = frozenset({"CreateContainerConfigError", "CreateContainerError"})


@dataclass(frozen=True)
class RolloutPolicy:
    """How long a symptom may last before the rollout is called stalled."""

    crashloop_restarts: int = 2
    readiness_grace_s: float = 20.0
    unschedulable_grace_s: float = 60.0


@dataclass(frozen=True)
class Verdict:
    state: Literal["done", "progressing", "stalled"]
    reason: str
    pod: str | None = None
    container: str | None = None
    crashed: bool = False  # the container's previous run has the logs that say why


def progress_line(deployment: Obj) -> str:
    """`1/2 updated, 1 ready, 1 available (generation 3 observed 3)`."""
    spec, status = deployment.get("spec") or {}, deployment.get("status") or {}
    line = (
        f"{status.get('updatedReplicas') or 0}/{_desired(spec)} updated, "
        f"{status.get('readyReplicas') or 0} ready, "
        f"{status.get('availableReplicas') or 0} available "
        f"(generation {meta(deployment).get('generation') or 0} "
        f"observed {status.get('observedGeneration') or 0})"
    )
    old = (status.get("replicas") or 0) - (status.get("updatedReplicas") or 0)
    return line + (f", {old} old pending termination" if old > 0 else "")


def judge(
    deployment: Obj,
    pods: list[Obj],
    events: list[Obj],
    now: datetime,
    policy: RolloutPolicy | None = None,
) -> Verdict:
    """The state of a rollout from its Deployment, the pods of its new revision, and the Warning
    events about them."""
    policy = policy or RolloutPolicy()
    spec, status = deployment.get("spec") or {}, deployment.get("status") or {}
    observed = (status.get("observedGeneration") or 0) >= (meta(deployment).get("generation") or 0)
    if spec.get("paused"):
        return Verdict("stalled", "the deployment is paused; resume it, then deploy again")
    if observed:
        deadline = _progress_deadline(deployment)
        if deadline is not None:
            return Verdict("stalled", deadline)
        if _rolled_out(spec, status):
            return Verdict("done", "rolled out")
    for pod in sorted(pods, key=name):
        verdict = _pod_stall(pod, events, now, policy)
        if verdict is not None:
            return verdict
    waiting = progress_line(deployment) if observed else "waiting for the spec update to be seen"
    return Verdict("progressing", waiting)


def _desired(spec: Obj) -> int:
    replicas = spec.get("replicas")
    return 1 if replicas is None else int(replicas)


def _rolled_out(spec: Obj, status: Obj) -> bool:
    updated = status.get("updatedReplicas") or 0
    return (
        updated >= _desired(spec)
        and (status.get("replicas") or 0) <= updated
        and (status.get("availableReplicas") or 0) >= updated
    )


def _progress_deadline(deployment: Obj) -> str | None:
    for cond in (deployment.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            seconds = (deployment.get("spec") or {}).get("progressDeadlineSeconds")
            within = f" ({seconds}s)" if seconds else ""
            return f"progress deadline exceeded{within}: {cond.get('message') or 'no progress'}"
    return None


def _pod_stall(pod: Obj, events: list[Obj], now: datetime, policy: RolloutPolicy) -> Verdict | None:
    pod_name = name(pod)
    status = pod.get("status") or {}
    statuses = [
        *(status.get("initContainerStatuses") or []),
        *(status.get("containerStatuses") or []),
    ]
    for cs in statuses:
        state = cs.get("state") or {}
        waiting, running = state.get("waiting"), state.get("running")
        container = str(cs.get("name", ""))
        where = f"container {container} of pod {pod_name}"
        if waiting:
            reason, message = waiting.get("reason") or "", _one_line(waiting.get("message"))
            if reason in PULL_FAILURES:
                image = cs.get("image") or "its image"
                why = f"{where} cannot pull {image} ({reason}{message})"
                return Verdict("stalled", why, pod_name, container)
            if reason in CREATE_FAILURES:
                return Verdict("stalled", f"{where} cannot start ({reason}{message})", pod_name)
            restarts = int(cs.get("restartCount") or 0)
            if reason == "CrashLoopBackOff" and restarts >= policy.crashloop_restarts:
                code = (((cs.get("lastState") or {}).get("terminated")) or {}).get("exitCode")
                exit_code = f", last exit code {code}" if code is not None else ""
                why = f"{where} is crash-looping (CrashLoopBackOff, {restarts} restarts{exit_code})"
                return Verdict("stalled", why, pod_name, container, crashed=True)
        elif running is not None and not cs.get("ready"):
            failing = _readiness_failure(pod_name, events)
            started = parse_time(running.get("startedAt")) or _first_time(failing)
            if failing and started and (now - started).total_seconds() >= policy.readiness_grace_s:
                message = _one_line(failing.get("message"))
                why = f"{where} is running but never ready: readiness probe failing{message}"
                return Verdict("stalled", why, pod_name, container)
    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "Unschedulable":
            since = parse_time(cond.get("lastTransitionTime"))
            if since and (now - since).total_seconds() >= policy.unschedulable_grace_s:
                why = f"pod {pod_name} cannot be scheduled{_one_line(cond.get('message'))}"
                return Verdict("stalled", why, pod_name)
    return None


def _readiness_failure(pod_name: str, events: list[Obj]) -> Obj | None:
    """The latest `Unhealthy` event of the pod that is not about a liveness or startup probe."""
    found = [
        e
        for e in events
        if e.get("reason") == "Unhealthy"
        and (e.get("involvedObject") or {}).get("name") == pod_name
        and not any(p in str(e.get("message", "")).lower() for p in ("liveness", "startup"))
    ]
    return found[-1] if found else None


def _first_time(event: Obj | None) -> datetime | None:
    if not event:
        return None
    return parse_time(event.get("firstTimestamp") or event.get("eventTime"))


def _one_line(message: object) -> str:
    text = " ".join(str(message or "").split())
    return f": {text[:200]}" if text else ""
