"""Decisions people take on a run in its thread: approve or reject, who, when, and why.

`subject` says what is decided: `chaos` (a destructive experiment may start) now, the readiness
report later. Every decision is kept; the latest of each user counts.
"""

from __future__ import annotations

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
) -> int:
    with store.transaction() as db:
        row = {
            "run_id": run_id,
            "subject": subject,
            "user": user,
            "role": role,
            "decision": decision,
            "reason": reason,
            "decided_at": now_iso(),
        }
        return int(db.table("approvals").insert(row).last_pk or 0)


def decisions(store: Store, run_id: int, subject: str) -> list[dict[str, Any]]:
    """Every decision on the run's subject, oldest first."""
    return list(
        store.db.query(
            "SELECT * FROM approvals WHERE run_id = ? AND subject = ? ORDER BY id",
            [run_id, subject],
        )
    )


def latest(store: Store, run_id: int, subject: str) -> dict[str, Any] | None:
    """The most recent decision, or None while nobody has decided."""
    found = decisions(store, run_id, subject)
    return found[-1] if found else None
