"""Background jobs: their state, owner process and where they report (a Slack thread)."""

from __future__ import annotations

import os
import socket
from typing import Any

from storage.store import Store, now_iso

ACTIVE_STATES = ("queued", "running")


def create_job(store: Store, run_id: int, **binding: Any) -> None:
    with store.transaction() as db:
        db.table("jobs").insert(
            {
                "run_id": run_id,
                "status": "queued",
                "owner_pid": os.getpid(),
                "owner_host": socket.gethostname(),
                "updated_at": now_iso(),
                **binding,
            }
        )


def set_job(store: Store, run_id: int, **fields: Any) -> None:
    with store.transaction() as db:
        db.table("jobs").update(run_id, {**fields, "updated_at": now_iso()})
        if "status" in fields:
            extra: dict[str, Any] = {"status": fields["status"]}
            if fields["status"] == "running":
                extra["started_at"] = now_iso()
            elif fields["status"] not in ACTIVE_STATES:
                extra["finished_at"] = now_iso()
            db.table("runs").update(run_id, extra)


def get_job(store: Store, run_id: int) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM jobs WHERE run_id = ?", [run_id]))
    return rows[0] if rows else None


def job_for_thread(store: Store, channel: str, thread_ts: str) -> dict[str, Any] | None:
    rows = list(
        store.db.query(
            "SELECT * FROM jobs WHERE channel = ? AND (thread_ts = ? OR status_ts = ?) "
            "ORDER BY run_id DESC LIMIT 1",
            [channel, thread_ts, thread_ts],
        )
    )
    return rows[0] if rows else None


def active_jobs(store: Store) -> list[dict[str, Any]]:
    return list(
        store.db.query(
            "SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY run_id",
        )
    )


def orphaned_jobs(store: Store, alive: set[int] | None = None) -> list[dict[str, Any]]:
    """Active jobs whose owner process on this host is gone (a crash of the bot)."""
    host = socket.gethostname()
    found = []
    for job in active_jobs(store):
        pid = job["owner_pid"]
        if job["owner_host"] != host:
            continue
        if alive is not None and pid in alive:
            continue
        if pid == os.getpid() or _pid_alive(pid):
            continue
        found.append(job)
    return found


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim_delivery(store: Store, key: str) -> bool:
    """Record a delivery id; False if it was seen before (a retried delivery)."""
    with store.transaction() as db:
        seen = list(db.query("SELECT 1 FROM deliveries WHERE key = ?", [key]))
        if seen:
            return False
        db.table("deliveries").insert({"key": key, "at": now_iso()})
        return True


def request_cancel(store: Store, run_id: int) -> None:
    with store.transaction() as db:
        db.table("jobs").update(run_id, {"cancel_requested": 1, "updated_at": now_iso()})


def cancel_requested(store: Store, run_ids: list[int]) -> set[int]:
    if not run_ids:
        return set()
    marks = ",".join("?" for _ in run_ids)
    rows = store.db.query(
        f"SELECT run_id FROM jobs WHERE cancel_requested = 1 AND run_id IN ({marks})", run_ids
    )
    return {int(row["run_id"]) for row in rows}


def prune_deliveries(store: Store, older_than: str) -> int:
    """Forget delivery ids recorded before `older_than` (ISO time); Slack retries within minutes."""
    with store.transaction() as db:
        return int(db.execute("DELETE FROM deliveries WHERE at < ?", [older_than]).rowcount)


def lock_environment(store: Store, environment: str, run_id: int) -> int | None:
    """Take the environment for a run; None if taken, else the id of the run holding it.

    A lock whose owner process is gone (a crash) is taken over.
    """
    with store.transaction() as db:
        rows = list(db.query("SELECT * FROM env_locks WHERE environment = ?", [environment]))
        if rows:
            held = rows[0]
            mine = held["owner_pid"] == os.getpid() and held["owner_host"] == socket.gethostname()
            if held["run_id"] != run_id and (mine or _owner_alive(held)):
                return int(held["run_id"])
        db.table("env_locks").upsert(
            {
                "environment": environment,
                "run_id": run_id,
                "owner_pid": os.getpid(),
                "owner_host": socket.gethostname(),
                "at": now_iso(),
            },
            pk="environment",
        )
        return None


def unlock_environment(store: Store, environment: str, run_id: int) -> None:
    with store.transaction() as db:
        db.execute(
            "DELETE FROM env_locks WHERE environment = ? AND run_id = ?", [environment, run_id]
        )


def _owner_alive(row: dict[str, Any]) -> bool:
    if row["owner_host"] != socket.gethostname():
        return True  # another machine's lock: only it may release it
    return _pid_alive(row["owner_pid"])
