"""A Deployment's status from its ReplicaSets, as the real controller computes it (pure).

`calculateStatus` counts (zero counts left out, as Go's omitempty does) and the conditions of
`syncRolloutStatus` / `checkPausedConditions`: Available (MinimumReplicasAvailable |
MinimumReplicasUnavailable) and Progressing (NewReplicaSetCreated, FoundNewReplicaSet,
ReplicaSetUpdated, NewReplicaSetAvailable, ProgressDeadlineExceeded, DeploymentPaused,
DeploymentResumed) with their real messages and lastUpdateTime/lastTransitionTime rules.
"""

from __future__ import annotations

import copy
import math
import time
from typing import Any

from tests.fakes.kube_objects import count, parse_time, rfc3339
from tests.fakes.kube_store import Obj


def surge_unavailable(d: Obj) -> tuple[int, int]:
    """ResolveFenceposts: maxSurge rounds up, maxUnavailable down; never both zero."""
    if d["spec"]["strategy"].get("type") != "RollingUpdate":
        return 0, 0
    rolling, replicas = d["spec"]["strategy"].get("rollingUpdate") or {}, d["spec"]["replicas"]
    surge = _scaled(rolling.get("maxSurge", "25%"), replicas, round_up=True)
    unavailable = _scaled(rolling.get("maxUnavailable", "25%"), replicas, round_up=False)
    return (surge, 1) if surge == 0 and unavailable == 0 else (surge, unavailable)


def max_unavailable(d: Obj) -> int:
    replicas = d["spec"]["replicas"]
    if d["spec"]["strategy"].get("type") != "RollingUpdate" or replicas == 0:
        return 0
    return min(surge_unavailable(d)[1], replicas)


def deployment_status(d: Obj, rss: list[Obj], new_rs: Obj | None, status: Obj) -> Obj:
    """The new `status` of `d`; `status` is the current one with this sync's conditions."""
    before, status = d.get("status") or {}, copy.deepcopy(status)
    available = sum(count(rs, "availableReplicas") for rs in rss)
    counts = {
        "observedGeneration": d["metadata"]["generation"],
        "replicas": sum(count(rs, "replicas") for rs in rss),
        "updatedReplicas": count(new_rs, "replicas"),
        "readyReplicas": sum(count(rs, "readyReplicas") for rs in rss),
        "availableReplicas": available,
        "unavailableReplicas": max(sum(rs["spec"]["replicas"] for rs in rss) - available, 0),
    }
    for key, value in counts.items():
        if value:
            status[key] = value
        else:
            status.pop(key, None)
    if available >= d["spec"]["replicas"] - max_unavailable(d):
        message = "Deployment has minimum availability."
        set_condition(status, "Available", "True", "MinimumReplicasAvailable", message)
    else:
        message = "Deployment does not have minimum availability."
        set_condition(status, "Available", "False", "MinimumReplicasUnavailable", message)
    paused, progressing = bool(d["spec"].get("paused")), condition(status, "Progressing")
    was_paused = progressing is not None and progressing["reason"] == "DeploymentPaused"
    if paused and not was_paused:
        set_condition(status, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused")
    elif not paused and was_paused:
        message = "Deployment is resumed"
        set_condition(status, "Progressing", "Unknown", "DeploymentResumed", message)
    if not paused:
        _rollout_condition(d, status, before, new_rs)
    return status


def _rollout_condition(d: Obj, status: Obj, before: Obj, new_rs: Obj | None) -> None:
    """syncRolloutStatus: complete, progressing (lastUpdateTime moves), or timed out."""
    current = condition(status, "Progressing")
    if (
        current is not None
        and current["reason"] == "NewReplicaSetAvailable"
        and _n(status, "replicas") == _n(status, "updatedReplicas")
    ):
        return
    name = (new_rs or d)["metadata"]["name"]
    what = f'ReplicaSet "{name}"' if new_rs else f'Deployment "{name}"'
    if complete(d, status):
        message = f"{what} has successfully progressed."
        set_condition(status, "Progressing", "True", "NewReplicaSetAvailable", message)
    elif _progressed(before, status):
        kept = current["lastTransitionTime"] if current and current["status"] == "True" else None
        status["conditions"] = [c for c in status["conditions"] if c["type"] != "Progressing"]
        message = f"{what} is progressing."
        set_condition(status, "Progressing", "True", "ReplicaSetUpdated", message)
        if kept:
            status["conditions"][-1]["lastTransitionTime"] = kept
    elif _timed_out(d, current):
        message = f"{what} has timed out progressing."
        set_condition(status, "Progressing", "False", "ProgressDeadlineExceeded", message)


def condition(status: Obj, type_: str) -> dict[str, Any] | None:
    return next((c for c in status.get("conditions") or [] if c["type"] == type_), None)


def set_condition(status: Obj, type_: str, value: str, reason: str, message: str) -> None:
    """SetDeploymentCondition: same status and reason is a no-op; same status keeps the
    lastTransitionTime; the updated condition moves to the end."""
    current, stamp = condition(status, type_), rfc3339()
    if current is not None and current["status"] == value and current["reason"] == reason:
        return
    new = {
        "type": type_,
        "status": value,
        "lastUpdateTime": stamp,
        "lastTransitionTime": stamp,
        "reason": reason,
        "message": message,
    }
    if current is not None and current["status"] == value:
        new["lastTransitionTime"] = current["lastTransitionTime"]
    status["conditions"] = [c for c in status.get("conditions") or [] if c["type"] != type_]
    status["conditions"].append(new)


def complete(d: Obj, status: Obj) -> bool:
    """DeploymentComplete: every replica updated and available, the generation observed."""
    replicas = d["spec"]["replicas"]
    return (
        _n(status, "updatedReplicas") == replicas
        and _n(status, "replicas") == replicas
        and _n(status, "availableReplicas") == replicas
        and status.get("observedGeneration", 0) >= d["metadata"]["generation"]
    )


def _progressed(before: Obj, after: Obj) -> bool:
    old_before = _n(before, "replicas") - _n(before, "updatedReplicas")
    old_after = _n(after, "replicas") - _n(after, "updatedReplicas")
    return (
        _n(after, "updatedReplicas") > _n(before, "updatedReplicas")
        or old_after < old_before
        or _n(after, "readyReplicas") > _n(before, "readyReplicas")
        or _n(after, "availableReplicas") > _n(before, "availableReplicas")
    )


def _timed_out(d: Obj, progressing: dict[str, Any] | None) -> bool:
    if progressing is None or progressing["reason"] == "NewReplicaSetAvailable":
        return False
    if progressing["reason"] == "ProgressDeadlineExceeded":
        return True
    deadline = d["spec"].get("progressDeadlineSeconds", 600)
    return parse_time(progressing["lastUpdateTime"]).timestamp() + deadline < time.time()


def _n(status: Obj, key: str) -> int:
    return int(status.get(key) or 0)


def _scaled(value: Any, replicas: int, *, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        exact = int(value[:-1]) * replicas / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(value)
