"""Where the approval of a run's report stands, read from storage (decisions and promotions)."""

from __future__ import annotations

from typing import Any

from actions.config import Settings
from actions.report.approval import SUBJECT, Tally, Vote, tally
from storage import approvals
from storage.store import Store


def current(store: Store, settings: Settings, run_id: int) -> Tally:
    """The quorum of a run's report, from every decision recorded."""
    votes = [
        Vote(
            user=row["user"],
            decision=row["decision"],
            seats=tuple(row["seats"]),
            reason=row["reason"],
            override=row.get("override") or "",
            name=row.get("name") or row["user"],
        )
        for row in approvals.decisions(store, run_id, SUBJECT)
    ]
    return tally([seat.name for seat in settings.approval.seats], votes)


def summary(store: Store, settings: Settings, run_id: int) -> dict[str, Any]:
    """The approval for machines and reports: status, decisions, promotion calls."""
    state = current(store, settings, run_id)
    decided = approvals.decisions(store, run_id, SUBJECT)
    return {
        "status": state.status,
        "text": state.text(),
        "missing": state.missing,
        "decisions": [
            {
                k: row[k]
                for k in (
                    "user",
                    "name",
                    "role",
                    "decision",
                    "reason",
                    "seats",
                    "override",
                    "decided_at",
                )
            }
            for row in decided
        ],
        "promotions": [
            {k: row[k] for k in ("kind", "ok", "status", "detail", "attempts", "at")}
            for row in approvals.promotions(store, run_id)
        ],
    }
