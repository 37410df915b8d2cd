"""Chaos experiments: one per environment, and the undo of every fault on record before it acts.

The undo steps are `actions.chaos.guards.RollbackStep` as dicts; a crash of the bot leaves the
experiment `active` (or `interrupted` once taken over), and start-up recovery finds it with
`pending_rollbacks`.
"""

from __future__ import annotations

import json
import socket
from typing import Any, Literal, get_args

import sqlite_utils

from actions.errors import EnvironmentFailure
from storage.jobs import _owner_alive
from storage.store import Store, now_iso

FinalStatus = Literal["done", "aborted", "stopped", "rolled_back"]
FINAL_STATES = frozenset(get_args(FinalStatus))
UNFINISHED_STATES = ("active", "interrupted")


def start_experiment(
    store: Store, *, run_id: int, environment: str, experiment: str, owner_pid: int
) -> int:
    """Record the start of an experiment and return its id; refused while another runs there.

    An active experiment whose owner process is gone (a crash) is marked `interrupted` and its
    undo steps stay pending for recovery.
    """
    with store.transaction() as db:
        held = _active(db, environment)
        if held is not None:
            if _owner_alive(held):
                raise EnvironmentFailure(
                    f"chaos experiment '{held['experiment']}' (run {held['run_id']}) is already "
                    f"running on {environment}; stop it or wait for it to finish"
                )
            db.execute(
                "UPDATE chaos_experiments SET status = 'interrupted' WHERE id = ?", [held["id"]]
            )
        row = {
            "run_id": run_id,
            "environment": environment,
            "experiment": experiment,
            "status": "active",
            "owner_pid": owner_pid,
            "owner_host": socket.gethostname(),
            "started_at": now_iso(),
        }
        return int(db.table("chaos_experiments").insert(row).last_pk or 0)


def record_applied(store: Store, experiment_id: int, step: dict[str, Any]) -> int:
    """Put an applied fault's undo on record (call it before the fault acts); its position.

    Recording the same step again (a fault applied twice) keeps its first position.
    """
    body = json.dumps(step, sort_keys=True)
    with store.transaction() as db:
        status = _status(db, experiment_id)
        if status != "active":
            raise ValueError(f"experiment {experiment_id} is {status}, not active")
        same = list(
            db.query(
                "SELECT position FROM chaos_undo WHERE experiment_id = ? AND step = ?",
                [experiment_id, body],
            )
        )
        if same:
            return int(same[0]["position"])
        last = db.execute(
            "SELECT max(position) FROM chaos_undo WHERE experiment_id = ?", [experiment_id]
        ).fetchone()[0]
        position = 0 if last is None else int(last) + 1
        db.table("chaos_undo").insert(
            {
                "experiment_id": experiment_id,
                "position": position,
                "step": body,
                "recorded_at": now_iso(),
            }
        )
        return position


def pending_rollbacks(store: Store) -> list[dict[str, Any]]:
    """Unfinished experiments, latest first, each with `steps` still to undo, latest first.

    Each step is `{"position": int, "step": dict}`; `owner_alive` tells a crashed experiment
    from one another process is still running.
    """
    experiments = list(
        store.db.query(
            "SELECT * FROM chaos_experiments WHERE status IN ('active', 'interrupted') "
            "ORDER BY id DESC"
        )
    )
    for experiment in experiments:
        rows = store.db.query(
            "SELECT position, step FROM chaos_undo "
            "WHERE experiment_id = ? AND rolled_back_at IS NULL ORDER BY position DESC",
            [experiment["id"]],
        )
        experiment["steps"] = [
            {"position": row["position"], "step": json.loads(row["step"])} for row in rows
        ]
        experiment["owner_alive"] = _owner_alive(experiment)
    return experiments


def mark_rolled_back(store: Store, experiment_id: int, step_index: int) -> None:
    """The undo at `step_index` (the position `record_applied` gave) has been done."""
    with store.transaction() as db:
        db.execute(
            "UPDATE chaos_undo SET rolled_back_at = ? "
            "WHERE experiment_id = ? AND position = ? AND rolled_back_at IS NULL",
            [now_iso(), experiment_id, step_index],
        )


def finish_experiment(store: Store, experiment_id: int, status: FinalStatus) -> None:
    """Close the experiment; it no longer holds its environment nor waits for recovery."""
    if status not in FINAL_STATES:
        raise ValueError(f"{status!r} is not a final state ({', '.join(sorted(FINAL_STATES))})")
    with store.transaction() as db:
        db.execute(
            "UPDATE chaos_experiments SET status = ?, finished_at = ? WHERE id = ?",
            [status, now_iso(), experiment_id],
        )


def leave_for_recovery(store: Store, experiment_id: int) -> None:
    """Some undo failed: the experiment frees its environment and waits for start-up recovery."""
    with store.transaction() as db:
        db.execute(
            "UPDATE chaos_experiments SET status = 'interrupted' WHERE id = ?", [experiment_id]
        )


def request_stop(store: Store, environment: str) -> bool:
    """Ask the experiment running on `environment` to stop; False if none is running."""
    with store.transaction() as db:
        cursor = db.execute(
            "UPDATE chaos_experiments SET stop_requested = 1 "
            "WHERE environment = ? AND status = 'active'",
            [environment],
        )
        return bool(cursor.rowcount)


def stop_requested(store: Store, experiment_id: int) -> bool:
    row = store.db.execute(
        "SELECT stop_requested FROM chaos_experiments WHERE id = ?", [experiment_id]
    ).fetchone()
    return bool(row and row[0])


def active_experiment(store: Store, environment: str) -> dict[str, Any] | None:
    """The experiment holding `environment`, with `owner_alive`; None when it is free."""
    held = _active(store.db, environment)
    if held is not None:
        held["owner_alive"] = _owner_alive(held)
    return held


def _active(db: sqlite_utils.Database, environment: str) -> dict[str, Any] | None:
    rows = list(
        db.query(
            "SELECT * FROM chaos_experiments WHERE environment = ? AND status = 'active'",
            [environment],
        )
    )
    return rows[0] if rows else None


def _status(db: sqlite_utils.Database, experiment_id: int) -> str | None:
    row = db.execute(
        "SELECT status FROM chaos_experiments WHERE id = ?", [experiment_id]
    ).fetchone()
    return None if row is None else str(row[0])
