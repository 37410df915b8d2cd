"""Making changes one at a time, following each rollout, and reporting the first failure.

Nothing is undone behind the caller's back: a failure report says which services were updated
and rolled out, which one is stuck on its new revision, and which were not changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from actions.environments.base import Progress
from actions.environments.kubernetes.diagnose import LOG_TAIL, failure_details
from actions.environments.kubernetes.judge import Verdict
from actions.environments.kubernetes.objects import Obj, name
from actions.environments.kubernetes.resources import Cluster
from actions.environments.kubernetes.rollout import Rollout, RolloutWatcher
from actions.errors import PreprodError

Change = Callable[[], Obj]
"""Makes one change; returns the Deployment as the API answered it (to watch from)."""


@dataclass(frozen=True)
class Step:
    """One change to make and follow: the service, its label, what to say first, the change."""

    service: str
    label: str
    announce: str
    change: Change


@dataclass(frozen=True)
class Failure:
    summary: str
    details: list[str]


def run_steps(
    steps: list[Step],
    cluster: Cluster,
    watcher: RolloutWatcher,
    progress: Progress,
    *,
    what: str,
    where: str,
    timeout: str,
    undo: str,
) -> Failure | None:
    """Make each change and follow its rollout; the first failure, or None when all rolled out.
    A first change that cannot be made at all raises: then nothing has changed."""
    done: list[str] = []
    for index, step in enumerate(steps):
        untouched = [s.service for s in steps[index + 1 :]]
        progress(f"{step.label}: {step.announce}")
        try:
            changed = step.change()
        except PreprodError as exc:
            if not done:
                raise
            return _failure(
                what, where, step.label, str(exc), [], done, [step.service, *untouched], undo
            )
        try:
            rollout = watcher.wait(changed, step.label, progress, timeout)
        except PreprodError as exc:
            rollout = Rollout(Verdict("stalled", str(exc)), changed)
        if rollout.verdict.state != "done":
            evidence = evidence_lines(cluster, rollout)
            evidence.append(f"left on its new revision: {name(changed)} (old pods keep serving)")
            reason = rollout.verdict.reason
            return _failure(what, where, step.label, reason, evidence, done, untouched, undo)
        done.append(step.service)
        progress(f"{step.label}: rolled out")
    return None


def evidence_lines(cluster: Cluster, rollout: Rollout) -> list[str]:
    """Container states, Warning events and the failing container's last log lines."""
    try:
        pods = cluster.new_pods(rollout.deployment) or rollout.pods
        events = cluster.warnings()
    except PreprodError:
        pods, events = rollout.pods, rollout.events

    def fetch(pod: str, container: str, previous: bool) -> str:
        return cluster.pod_log(pod, container, tail_lines=LOG_TAIL, previous=previous)

    return failure_details(rollout.verdict, rollout.deployment, pods, events, fetch)[1:]


def _failure(
    what: str,
    where: str,
    label: str,
    reason: str,
    evidence: list[str],
    done: list[str],
    untouched: list[str],
    undo: str,
) -> Failure:
    details = [f"{label}: {reason}", *evidence]
    details.append(f"updated and rolled out before: {', '.join(done) or 'none'}")
    if untouched:
        details.append(f"not changed: {', '.join(untouched)}")
    details.append(f"nothing was rolled back automatically; {undo}")
    return Failure(f"{what} failed on {where}: {label}: {reason}", details)
