"""Decisions people take on a run in its thread: approve or reject, who, when, and why.

`subject` says what is decided: `chaos` (a destructive experiment may start) or `report` (the
release may go to production). Every decision is kept; the latest of each user counts. `user`
is the person's stable id (a Slack user id, `local:NAME` in a terminal), `name` how they are shown
(a Slack handle changes, and a mention carries none: the id is who decided). A report's
approval also keeps the quorum seats the person filled and, for a no-go, the override's reason;
`promotions` keeps what the promotion hook answered.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from storage.store import Store, now_iso

Decision = Literal["approve", "reject"]


def record(
    store: Store,
    run_id: int,
    subject: str,
    *,
    user: str,
    role: str,
    decision: Decision,
    reason: str = "",
    seats: list[str] | None = None,
    override: str = "",
    name: str = "",
) -> int:
    with store.transaction() as db:
        row = {
            "run_id": run_id,
            "subject": subject,
            "user": user,
            "name": name or user,
            "role": role,
            "decision": decision,
            "reason": reason,
            "seats": json.dumps(seats or []),
            "override": override,
            "decided_at": now_iso(),
        }
        return int(db.table("approvals").insert(row).last_pk or 0)


def decisions(store: Store, run_id: int, subject: str) -> list[dict[str, Any]]:
    """Every decision on the run's subject, oldest first."""
    rows = store.db.query(
        "SELECT * FROM approvals WHERE run_id = ? AND subject = ? ORDER BY id",
        [run_id, subject],
    )
    return [{**row, "seats": json.loads(row.get("seats") or "[]")} for row in rows]


def latest(store: Store, run_id: int, subject: str) -> dict[str, Any] | None:
    """The most recent decision, or None while nobody has decided."""
    found = decisions(store, run_id, subject)
    return found[-1] if found else None


def record_promotion(
    store: Store,
    run_id: int,
    *,
    kind: str,
    ok: bool,
    status: int | None,
    detail: str,
    attempts: int,
) -> int:
    """What the promotion hook answered for an approved run."""
    with store.transaction() as db:
        row = {
            "run_id": run_id,
            "kind": kind,
            "ok": int(ok),
            "status": status,
            "detail": detail,
            "attempts": attempts,
            "at": now_iso(),
        }
        return int(db.table("promotions").insert(row).last_pk or 0)


def promotions(store: Store, run_id: int) -> list[dict[str, Any]]:
    """Every promotion call for the run, oldest first."""
    rows = store.db.query("SELECT * FROM promotions WHERE run_id = ? ORDER BY id", [run_id])
    return [{**row, "ok": bool(row["ok"])} for row in rows]
