"""Defects of the built-in tracker: `PP-1`, `PP-2`, ...; one open defect per fingerprint.

A defect's key is `PP-<id>`. Filing a fingerprint that is already open counts one more occurrence
and keeps a comment instead of opening a duplicate; that check and the insert share a transaction.
"""

from __future__ import annotations

import json
from typing import Any

from storage.store import Store, now_iso

KEY_PREFIX = "PP-"


def _row(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {**row, "labels": json.loads(row.get("labels") or "[]")}


def _one(db: Any, sql: str, params: list[Any]) -> dict[str, Any] | None:
    rows = list(db.query(sql, params))
    return _row(rows[0]) if rows else None


def file_defect(store: Store, fields: dict[str, Any], comment: str) -> tuple[dict[str, Any], bool]:
    """Open a defect from `fields`, or add `comment` and an occurrence to the open one.

    Returns the defect row and whether it was created.
    """
    at = now_iso()
    with store.transaction() as db:
        found = _one(
            db,
            "SELECT * FROM defects WHERE fingerprint = ? AND status = 'open'",
            [fields["fingerprint"]],
        )
        if found is not None:
            db.execute(
                "UPDATE defects SET occurrences = occurrences + 1, last_seen = ? WHERE id = ?",
                [at, found["id"]],
            )
            _comment(db, found["id"], comment, at)
            row = _one(db, "SELECT * FROM defects WHERE id = ?", [found["id"]])
            assert row is not None
            return row, False
        values = {**fields, "labels": json.dumps(fields.get("labels") or [])}
        values.update(status="open", occurrences=1, first_seen=at, last_seen=at)
        defect_id = int(db.table("defects").insert(values).last_pk or 0)
        db.execute(
            "UPDATE defects SET key = ? WHERE id = ?", [f"{KEY_PREFIX}{defect_id}", defect_id]
        )
        row = _one(db, "SELECT * FROM defects WHERE id = ?", [defect_id])
        assert row is not None
        return row, True


def _comment(db: Any, defect_id: int, body: str, at: str) -> None:
    db.table("defect_comments").insert({"defect_id": defect_id, "body": body, "at": at})


def get_defect(store: Store, key: str) -> dict[str, Any] | None:
    return _one(store.db, "SELECT * FROM defects WHERE key = ?", [key])


def open_defect(store: Store, fingerprint: str) -> dict[str, Any] | None:
    """The open defect with this fingerprint, if any."""
    return _one(
        store.db, "SELECT * FROM defects WHERE fingerprint = ? AND status = 'open'", [fingerprint]
    )


def add_comment(store: Store, key: str, body: str) -> bool:
    """Keep a comment on the defect; False if there is no such defect."""
    with store.transaction() as db:
        found = _one(db, "SELECT id FROM defects WHERE key = ?", [key])
        if found is None:
            return False
        _comment(db, found["id"], body, now_iso())
        return True


def resolve_defect(store: Store, key: str, note: str) -> bool:
    """Mark the defect resolved, keeping the note as a comment; False if there is no such defect."""
    at = now_iso()
    with store.transaction() as db:
        found = _one(db, "SELECT id FROM defects WHERE key = ?", [key])
        if found is None:
            return False
        db.execute(
            "UPDATE defects SET status = 'resolved', resolved_at = ? WHERE id = ?",
            [at, found["id"]],
        )
        _comment(db, found["id"], note, at)
        return True


def list_defects(
    store: Store, *, version: str | None = None, app: str | None = None
) -> list[dict[str, Any]]:
    """Defects, newest first; only those found on `version` (and `app`) when given."""
    where, params = [], []
    if version is not None:
        where.append("version = ?")
        params.append(version)
    if app is not None:
        where.append("app = ?")
        params.append(app)
    sql = "SELECT * FROM defects"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = store.db.query(sql + " ORDER BY id DESC", params)
    return [row for row in (_row(r) for r in rows) if row is not None]


def comments_of(store: Store, key: str) -> list[dict[str, Any]]:
    """A defect's comments, oldest first."""
    return list(
        store.db.query(
            "SELECT c.body, c.at FROM defect_comments c JOIN defects d ON d.id = c.defect_id "
            "WHERE d.key = ? ORDER BY c.id",
            [key],
        )
    )
