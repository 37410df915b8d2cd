"""The undo steps of an experiment as stored records, and carrying one out.

A record is a `guards.RollbackStep` as a dict plus `environment` and `data` (what the injector
needs, or the HTTP call to make). The runner and the start-up recovery both call `run_undo`, with
nothing but the record, so a step written before a crash is carried out the same way after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from actions.chaos.experiment import Experiment, HttpCall
from actions.chaos.guards import plan_rollbacks
from actions.chaos.inject import Injector
from actions.errors import EnvironmentFailure


def rollback_steps(
    experiment: Experiment, injector: Injector, environment: str, urls: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The experiment's explicit rollbacks as records, with what each needs to run later.

    They are recorded before any fault, so the undo of every fault (recorded later) runs first.
    """
    records = []
    for step in plan_rollbacks(experiment, []):
        action = experiment.rollbacks[step.index]
        if isinstance(action, HttpCall):
            data: dict[str, Any] = {
                "method": action.method,
                "path": action.path,
                "status": action.status,
                "timeout": action.timeout,
            }
        else:
            data = {"before": injector.snapshot(action.service)}
        records.append({**step.__dict__, "environment": environment, "data": data})
    return records


def run_undo(injector: Injector, record: Mapping[str, Any], urls: Mapping[str, str]) -> str:
    """Carry out one stored undo step; what was done. Safe to repeat."""
    data = record.get("data") or {}
    service = str(record["service"])
    if record["kind"] == "undo":
        return injector.undo(str(record["action"]), service, data)
    if record["action"] == "restore":
        return injector.restore(service, data.get("before") or {})
    url = urls.get(service)
    if url is None:
        raise EnvironmentFailure(f"rollback {record['description']}: {service} is not running")
    try:
        response = httpx.request(
            data["method"], url.rstrip("/") + data["path"], timeout=data.get("timeout", 10.0)
        )
    except httpx.HTTPError as exc:
        raise EnvironmentFailure(
            f"rollback {record['description']}: no answer ({type(exc).__name__})"
        ) from None
    if response.status_code != data.get("status", 200):
        raise EnvironmentFailure(
            f"rollback {record['description']}: status {response.status_code}, "
            f"expected {data.get('status', 200)}"
        )
    return f"{record['description']}: {response.status_code}"
