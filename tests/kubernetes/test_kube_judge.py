"""The rollout judge: done, progressing or stalled (and why), from a Deployment, pods and events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from actions.environments.kubernetes.judge import RolloutPolicy, judge, progress_line

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
POLICY = RolloutPolicy(crashloop_restarts=2, readiness_grace_s=20, unschedulable_grace_s=60)


def ago(seconds: float) -> str:
    return (NOW - timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def deployment(
    replicas: int = 2,
    generation: int = 3,
    observed: int = 3,
    updated: int = 2,
    total: int | None = None,
    ready: int | None = None,
    available: int | None = None,
    conditions: list[dict[str, Any]] | None = None,
    paused: bool = False,
) -> dict[str, Any]:
    return {
        "metadata": {"name": "catalog", "generation": generation},
        "spec": {"replicas": replicas, "paused": paused, "progressDeadlineSeconds": 600},
        "status": {
            "observedGeneration": observed,
            "replicas": updated if total is None else total,
            "updatedReplicas": updated,
            "readyReplicas": updated if ready is None else ready,
            "availableReplicas": updated if available is None else available,
            "conditions": conditions or [],
        },
    }


def pod(name: str = "catalog-abc-1", **container: Any) -> dict[str, Any]:
    status = {"name": "catalog", "image": "registry.example/shop/catalog:1.1", "ready": False}
    status.update(container)
    return {
        "metadata": {"name": name},
        "status": {"phase": "Running", "containerStatuses": [status]},
    }


def waiting(reason: str, message: str = "", restarts: int = 0, **extra: Any) -> dict[str, Any]:
    state = {"waiting": {"reason": reason, "message": message}}
    return pod(state=state, restartCount=restarts, **extra)


def running(since: float, ready: bool = False) -> dict[str, Any]:
    return pod(state={"running": {"startedAt": ago(since)}}, ready=ready)


def unhealthy(
    message: str = "Readiness probe failed: HTTP probe failed with statuscode: 503",
) -> dict[str, Any]:
    return {
        "type": "Warning",
        "reason": "Unhealthy",
        "message": message,
        "involvedObject": {"kind": "Pod", "name": "catalog-abc-1"},
        "firstTimestamp": ago(30),
        "lastTimestamp": ago(1),
    }


DEADLINE = {
    "type": "Progressing",
    "status": "False",
    "reason": "ProgressDeadlineExceeded",
    "message": 'ReplicaSet "catalog-abc" has timed out progressing.',
}
CRASHED = {"terminated": {"reason": "Error", "exitCode": 3}}

CASES = [
    # (name, deployment, pods, events, state, words in the reason)
    ("all updated and available", deployment(), [], [], "done", ["rolled out"]),
    ("zero replicas wanted", deployment(replicas=0, updated=0), [], [], "done", []),
    ("spec change not yet seen", deployment(observed=2), [], [], "progressing", ["spec update"]),
    ("half updated", deployment(updated=1), [], [], "progressing", ["1/2 updated"]),
    ("old replicas still running", deployment(total=3), [], [], "progressing", ["1 old pending"]),
    ("updated but not available", deployment(available=1), [], [], "progressing", ["1 available"]),
    (
        "progress deadline exceeded",
        deployment(updated=1, conditions=[DEADLINE]),
        [],
        [],
        "stalled",
        ["progress deadline exceeded (600s)", "timed out progressing"],
    ),
    ("paused", deployment(updated=1, paused=True), [], [], "stalled", ["paused"]),
    (
        "image cannot be pulled",
        deployment(updated=1),
        [waiting("ImagePullBackOff", 'Back-off pulling image "x"')],
        [],
        "stalled",
        ["cannot pull registry.example/shop/catalog:1.1", "ImagePullBackOff"],
    ),
    (
        "first pull error",
        deployment(updated=1),
        [waiting("ErrImagePull", "not found")],
        [],
        "stalled",
        ["ErrImagePull: not found"],
    ),
    (
        "missing config",
        deployment(updated=1),
        [waiting("CreateContainerConfigError", 'configmap "x" not found')],
        [],
        "stalled",
        ["cannot start", "CreateContainerConfigError"],
    ),
    (
        "crash loop after enough restarts",
        deployment(updated=1),
        [waiting("CrashLoopBackOff", "back-off 20s", restarts=2, lastState=CRASHED)],
        [],
        "stalled",
        ["crash-looping", "2 restarts", "last exit code 3"],
    ),
    (
        "first crash is not yet a loop",
        deployment(updated=1),
        [waiting("CrashLoopBackOff", "back-off 10s", restarts=1)],
        [],
        "progressing",
        [],
    ),
    (
        "still creating",
        deployment(updated=1),
        [waiting("ContainerCreating")],
        [],
        "progressing",
        [],
    ),
    (
        "readiness failing past the grace",
        deployment(updated=1, available=0, ready=0),
        [running(since=25)],
        [unhealthy()],
        "stalled",
        ["never ready", "statuscode: 503"],
    ),
    (
        "readiness failing within the grace",
        deployment(updated=1, available=0, ready=0),
        [running(since=5)],
        [unhealthy()],
        "progressing",
        [],
    ),
    (
        "not ready without a failing probe",
        deployment(updated=1, available=0, ready=0),
        [running(since=300)],
        [],
        "progressing",
        [],
    ),
    (
        "liveness failure is not a readiness failure",
        deployment(updated=1, available=0, ready=0),
        [running(since=300)],
        [unhealthy("Liveness probe failed: timeout")],
        "progressing",
        [],
    ),
]


@pytest.mark.parametrize(
    ("deployment_", "pods", "events", "state", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_rollout_judgement(
    deployment_: dict[str, Any],
    pods: list[dict[str, Any]],
    events: list[dict[str, Any]],
    state: str,
    words: list[str],
) -> None:
    verdict = judge(deployment_, pods, events, NOW, POLICY)
    assert verdict.state == state, verdict.reason
    for word in words:
        assert word in verdict.reason


def test_crash_loop_verdict_points_at_the_previous_run_of_the_container() -> None:
    crashing = waiting("CrashLoopBackOff", restarts=3, lastState=CRASHED)
    verdict = judge(deployment(updated=1), [crashing], [], NOW, POLICY)
    assert (verdict.pod, verdict.container, verdict.crashed) == ("catalog-abc-1", "catalog", True)


def test_unschedulable_pod_stalls_only_after_its_grace() -> None:
    def pending(since: float) -> dict[str, Any]:
        condition = {
            "type": "PodScheduled",
            "status": "False",
            "reason": "Unschedulable",
            "message": "0/3 nodes are available: 3 Insufficient cpu.",
            "lastTransitionTime": ago(since),
        }
        return {
            "metadata": {"name": "p"},
            "status": {"phase": "Pending", "conditions": [condition]},
        }

    assert judge(deployment(updated=1), [pending(10)], [], NOW, POLICY).state == "progressing"
    late = judge(deployment(updated=1), [pending(61)], [], NOW, POLICY)
    assert late.state == "stalled"
    assert "cannot be scheduled: 0/3 nodes are available" in late.reason


def test_a_finished_rollout_is_done_even_if_an_old_pod_is_unhealthy() -> None:
    broken_old_pod = waiting("CrashLoopBackOff", restarts=9)
    assert judge(deployment(), [broken_old_pod], [], NOW, POLICY).state == "done"


def test_progress_line_reads_like_kubectl() -> None:
    line = progress_line(deployment(updated=1, ready=1, available=1))
    assert line == "1/2 updated, 1 ready, 1 available (generation 3 observed 3)"


def test_default_replicas_is_one() -> None:
    dep = deployment(updated=1)
    del dep["spec"]["replicas"]
    assert judge(dep, [], [], NOW).state == "done"
