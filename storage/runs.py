"""Runs, their steps and everything a step produced."""

from __future__ import annotations

import json
from typing import Any

from storage.store import Store, now_iso

RUN_STATES = ("queued", "running", "done", "failed", "cancelled", "interrupted")
FINAL_STATES = frozenset({"done", "failed", "cancelled", "interrupted"})


def create_run(store: Store, **fields: Any) -> int:
    """Insert a run (status `queued`) and return its id."""
    record = {"status": "queued", "created_at": now_iso(), **fields}
    if isinstance(record.get("plan"), list):
        record["plan"] = json.dumps(record["plan"])
    with store.transaction() as db:
        return int(db.table("runs").insert(record).last_pk or 0)


def update_run(store: Store, run_id: int, **fields: Any) -> None:
    with store.transaction() as db:
        db.table("runs").update(run_id, fields)


def get_run(store: Store, run_id: int) -> dict[str, Any] | None:
    rows = list(store.db.query("SELECT * FROM runs WHERE id = ?", [run_id]))
    if not rows:
        return None
    run = rows[0]
    run["plan"] = json.loads(run["plan"]) if run["plan"] else []
    return run


def recent_runs(store: Store, limit: int = 10, app: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM runs"
    params: list[Any] = []
    if app:
        sql += " WHERE app = ?"
        params.append(app)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return list(store.db.query(sql, params))


def last_run_of(store: Store, app: str, version: str, verb: str = "ready") -> dict[str, Any] | None:
    rows = list(
        store.db.query(
            "SELECT * FROM runs WHERE app = ? AND version = ? AND verb = ? "
            "ORDER BY id DESC LIMIT 1",
            [app, version, verb],
        )
    )
    return rows[0] if rows else None


def start_step(store: Store, run_id: int, position: int, name: str) -> None:
    with store.transaction() as db:
        db.table("steps").upsert(
            {
                "run_id": run_id,
                "position": position,
                "name": name,
                "status": "running",
                "started_at": now_iso(),
            },
            pk=("run_id", "name"),
        )


def save_result(store: Store, run_id: int, position: int, result: Any) -> None:
    """Store a step's Result whole, and its findings, measurements and tests as rows."""
    body = result.model_dump(mode="json")
    with store.transaction() as db:
        db.table("steps").upsert(
            {
                "run_id": run_id,
                "position": position,
                "name": result.step,
                "status": body["status"],
                "summary": result.summary,
                "started_at": body["started_at"],
                "finished_at": body["finished_at"],
            },
            pk=("run_id", "name"),
        )
        db.table("results").upsert(
            {"run_id": run_id, "step": result.step, "body": json.dumps(body)},
            pk=("run_id", "step"),
        )
        db.table("findings").insert_all(
            {"run_id": run_id, "step": result.step, **f} for f in body["findings"]
        )
        db.table("measurements").insert_all(
            {
                "run_id": run_id,
                "step": result.step,
                **{k: v for k, v in m.items() if k != "tags"},
                "tags": json.dumps(m["tags"], sort_keys=True),
            }
            for m in body["measurements"]
        )
        db.table("test_results").insert_all(
            {
                "run_id": run_id,
                "step": result.step,
                "test_id": t.get("id") or t.get("name", "?"),
                "outcome": t.get("outcome", "?"),
                "time_s": t.get("time_s"),
                "message": t.get("message"),
            }
            for t in body["data"].get("tests", [])
        )


def steps_of(store: Store, run_id: int) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM steps WHERE run_id = ? ORDER BY position", [run_id]))


def results_of(store: Store, run_id: int) -> list[dict[str, Any]]:
    """The stored Result bodies of a run, in step order."""
    rows = store.db.query(
        "SELECT r.body FROM results r JOIN steps s ON s.run_id = r.run_id AND s.name = r.step "
        "WHERE r.run_id = ? ORDER BY s.position",
        [run_id],
    )
    return [json.loads(row["body"]) for row in rows]


def report_data(results: list[dict[str, Any]]) -> dict[str, Any]:
    """What the report step of these stored results kept (`gate`, `defects`, ...), or nothing."""
    report = next((r for r in results if r.get("step") == "report"), None)
    return dict((report or {}).get("data") or {})


def add_event(store: Store, run_id: int, kind: str, message: str, step: str | None) -> None:
    with store.transaction() as db:
        db.table("events").insert(
            {"run_id": run_id, "kind": kind, "step": step, "message": message, "at": now_iso()}
        )


def events_of(store: Store, run_id: int) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM events WHERE run_id = ? ORDER BY id", [run_id]))


def comparison_runs(
    store: Store,
    app: str,
    version: str | None,
    *,
    verdicts: tuple[str, ...] = ("go", "go with risk"),
    limit: int = 1,
    before: int | None = None,
) -> list[dict[str, Any]]:
    """Latest finished readiness runs of an app (one version, if given) with these verdicts."""
    sql = "SELECT * FROM runs WHERE app = ? AND verb = 'ready' AND status = 'done'"
    params: list[Any] = [app]
    if version is not None:
        sql += " AND version = ?"
        params.append(version)
    if before is not None:
        sql += " AND id < ?"
        params.append(before)
    sql += f" AND verdict IN ({','.join('?' for _ in verdicts)}) ORDER BY id DESC LIMIT ?"
    params += [*verdicts, limit]
    return list(store.db.query(sql, params))


def baseline_run(store: Store, app: str, version: str) -> dict[str, Any] | None:
    """The latest finished readiness run of a version whose verdict was not no-go."""
    found = comparison_runs(store, app, version)
    return found[0] if found else None


def measurements_of(store: Store, run_id: int) -> list[dict[str, Any]]:
    rows = list(store.db.query("SELECT * FROM measurements WHERE run_id = ?", [run_id]))
    for row in rows:
        row["tags"] = json.loads(row["tags"] or "{}")
    return rows


def latest_ready_run(store: Store, environment: str) -> dict[str, Any] | None:
    """The newest finished readiness run on an environment."""
    rows = list(
        store.db.query(
            "SELECT * FROM runs WHERE environment = ? AND verb = 'ready' AND status = 'done' "
            "ORDER BY id DESC LIMIT 1",
            [environment],
        )
    )
    return rows[0] if rows else None
