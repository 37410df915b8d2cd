"""The audit log: who asked for what, where, and what came of it."""

from __future__ import annotations

import json
from typing import Any

from storage.store import Store, now_iso


def record(
    store: Store,
    *,
    user: str,
    surface: str,
    verb: str,
    args: list[str],
    outcome: str,
    detail: str = "",
    run_id: int | None = None,
) -> int:
    """Write one audit entry and return its id."""
    with store.transaction() as db:
        return int(
            db.table("audit")
            .insert(
                {
                    "at": now_iso(),
                    "user": user,
                    "surface": surface,
                    "verb": verb,
                    "args": json.dumps(args),
                    "outcome": outcome,
                    "detail": detail,
                    "run_id": run_id,
                }
            )
            .last_pk
            or 0
        )


def entries(store: Store, limit: int = 50, verb: str | None = None) -> list[dict[str, Any]]:
    sql, params = "SELECT * FROM audit", list[object]()
    if verb:
        sql += " WHERE verb = ?"
        params.append(verb)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    rows = list(store.db.query(sql, params))
    for row in rows:
        row["args"] = json.loads(row["args"] or "[]")
    return rows
