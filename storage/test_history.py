"""The per-test history of an app's e2e runs, read from `test_results` (and each run's churn).

The churn of a run (what changed between its baseline and its candidate) is the `churn` entry of
its stored e2e Result's data: `{"baseline": "1.0", "changed": ["storefront.py", ...]}`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from storage.store import Store

STEP = "e2e"


@dataclass(frozen=True)
class TestRun:
    """One past e2e run of an app: each test's outcome and duration, and what had changed."""

    __test__ = False  # not a pytest test class, despite the name

    run_id: int
    version: str | None
    outcomes: dict[str, str] = field(default_factory=dict)
    durations: dict[str, float] = field(default_factory=dict)
    changed: tuple[str, ...] | None = None
    """None when the run recorded no churn (no baseline, or no release folders)."""


def e2e_history(
    store: Store, app: str, *, before: int | None = None, limit: int = 50
) -> list[TestRun]:
    """The app's last `limit` runs with stored e2e results (before run `before`), oldest first."""
    sql = (
        "SELECT r.id, r.version FROM runs r WHERE r.app = ? AND EXISTS "
        "(SELECT 1 FROM test_results t WHERE t.run_id = r.id AND t.step = ?)"
    )
    params: list[Any] = [app, STEP]
    if before is not None:
        sql += " AND r.id < ?"
        params.append(before)
    sql += " ORDER BY r.id DESC LIMIT ?"
    params.append(limit)
    found = list(store.db.query(sql, params))
    if not found:
        return []
    ids = [row["id"] for row in found]
    marks = ",".join("?" for _ in ids)
    outcomes: dict[int, dict[str, str]] = {i: {} for i in ids}
    durations: dict[int, dict[str, float]] = {i: {} for i in ids}
    for row in store.db.query(
        f"SELECT run_id, test_id, outcome, time_s FROM test_results "
        f"WHERE step = ? AND run_id IN ({marks}) ORDER BY id",
        [STEP, *ids],
    ):
        outcomes[row["run_id"]][row["test_id"]] = row["outcome"]
        if row["time_s"] is not None:
            durations[row["run_id"]][row["test_id"]] = float(row["time_s"])
    churn = _churn(store, ids)
    return [
        TestRun(
            run_id=row["id"],
            version=row["version"],
            outcomes=outcomes[row["id"]],
            durations=durations[row["id"]],
            changed=churn.get(row["id"]),
        )
        for row in reversed(found)
    ]


def _churn(store: Store, ids: list[int]) -> dict[int, tuple[str, ...]]:
    marks = ",".join("?" for _ in ids)
    found: dict[int, tuple[str, ...]] = {}
    rows = store.db.query(
        f"SELECT run_id, body FROM results WHERE step = ? AND run_id IN ({marks})", [STEP, *ids]
    )
    for row in rows:
        try:
            churn = json.loads(row["body"]).get("data", {}).get("churn")
        except (ValueError, AttributeError):
            continue
        if isinstance(churn, dict) and isinstance(churn.get("changed"), list):
            found[row["run_id"]] = tuple(str(item) for item in churn["changed"])
    return found


def known_tests(history: list[TestRun]) -> list[str]:
    """Every test id the history knows, in the order it first appeared."""
    seen: dict[str, None] = {}
    for run in history:
        seen.update(dict.fromkeys(run.outcomes))
    return list(seen)
