"""Storage: migrations, runs and their results, jobs, the audit log, delivery de-duplication."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from actions.result import Finding, Measurement, Result, Severity, Status
from storage import audit, jobs, runs
from storage.migrations import MIGRATIONS
from storage.store import Store


def test_a_new_file_gets_every_migration_in_wal_mode(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    assert store.schema_version() == MIGRATIONS[-1][0]
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"runs", "steps", "results", "findings", "measurements", "jobs", "audit"} <= set(
        store.db.table_names()
    )


def test_migrations_are_applied_once(tmp_path: Path) -> None:
    Store(tmp_path / "a.db").close()
    store = Store(tmp_path / "a.db")
    rows = store.db.execute("SELECT count(*) FROM schema_migrations").fetchone()[0]
    assert rows == len(MIGRATIONS)


def test_a_result_is_stored_whole_and_as_rows(store: Store) -> None:
    run_id = runs.create_run(store, verb="ready", command="ready shop 1.1", app="shop")
    result = Result(
        step="e2e",
        status=Status.FAIL,
        summary="1 failed",
        findings=[Finding(severity=Severity.HIGH, title="test failed: t1")],
        measurements=[Measurement(name="tests_failed", value=1)],
        data={"tests": [{"id": "t1", "outcome": "failed", "time_s": 0.1, "message": "boom"}]},
    )
    runs.start_step(store, run_id, 0, "e2e")
    runs.save_result(store, run_id, 0, result)
    assert Result.model_validate(runs.results_of(store, run_id)[0]) == result
    assert runs.steps_of(store, run_id)[0]["status"] == "fail"
    assert store.db["findings"].count == 1
    assert [m["name"] for m in runs.measurements_of(store, run_id)] == ["tests_failed"]
    assert list(store.db.query("SELECT test_id, outcome FROM test_results")) == [
        {"test_id": "t1", "outcome": "failed"}
    ]


def test_job_state_changes_are_mirrored_on_the_run(store: Store) -> None:
    run_id = runs.create_run(store, verb="deploy", command="deploy shop 1.1")
    jobs.create_job(store, run_id, channel="C1", thread_ts="1.1")
    jobs.set_job(store, run_id, status="running")
    assert runs.get_run(store, run_id)["started_at"]
    jobs.set_job(store, run_id, status="done")
    run = runs.get_run(store, run_id)
    assert (run["status"], bool(run["finished_at"])) == ("done", True)
    assert jobs.job_for_thread(store, "C1", "1.1")["run_id"] == run_id


def test_a_job_whose_owner_died_is_an_orphan(store: Store) -> None:
    run_id = runs.create_run(store, verb="ready", command="ready shop 1.1")
    jobs.create_job(store, run_id)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    jobs.set_job(store, run_id, owner_pid=int(dead.stdout), status="running")
    assert [j["run_id"] for j in jobs.orphaned_jobs(store)] == [run_id]


def test_a_job_of_this_process_is_not_an_orphan(store: Store) -> None:
    run_id = runs.create_run(store, verb="ready", command="ready shop 1.1")
    jobs.create_job(store, run_id)
    assert jobs.orphaned_jobs(store) == []


def test_a_delivery_is_claimed_once(store: Store) -> None:
    assert jobs.claim_delivery(store, "trigger-1")
    assert not jobs.claim_delivery(store, "trigger-1")


def test_cancel_requests_are_seen_by_id(store: Store) -> None:
    a = runs.create_run(store, verb="ready", command="a")
    b = runs.create_run(store, verb="ready", command="b")
    jobs.create_job(store, a)
    jobs.create_job(store, b)
    jobs.request_cancel(store, b)
    assert jobs.cancel_requested(store, [a, b]) == {b}


def test_audit_entries_keep_who_what_where_and_outcome(store: Store) -> None:
    audit.record(
        store,
        user="U1",
        surface="slack",
        verb="deploy",
        args=["shop", "1.1"],
        outcome="denied",
        detail="needs engineer",
    )
    entry = audit.entries(store)[0]
    assert (entry["user"], entry["surface"], entry["verb"], entry["args"], entry["outcome"]) == (
        "U1",
        "slack",
        "deploy",
        ["shop", "1.1"],
        "denied",
    )
    assert entry["at"]


def test_the_baseline_is_the_last_good_ready_run_of_that_version(store: Store) -> None:
    good = runs.create_run(store, verb="ready", command="c", app="shop", version="1.0")
    runs.update_run(store, good, status="done", verdict="go")
    bad = runs.create_run(store, verb="ready", command="c", app="shop", version="1.0")
    runs.update_run(store, bad, status="done", verdict="no-go")
    assert runs.baseline_run(store, "shop", "1.0")["id"] == good


def test_an_environment_is_held_by_one_run_at_a_time(store: Store) -> None:
    assert jobs.lock_environment(store, "local", 1) is None
    assert jobs.lock_environment(store, "local", 2) == 1
    assert jobs.lock_environment(store, "local", 1) is None  # the holder may take it again
    jobs.unlock_environment(store, "local", 1)
    assert jobs.lock_environment(store, "local", 2) is None


def test_a_lock_left_by_a_dead_process_is_taken_over(store: Store) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert jobs.lock_environment(store, "local", 1) is None
    store.db.execute("UPDATE env_locks SET owner_pid = ?", [int(dead.stdout)])
    assert jobs.lock_environment(store, "local", 2) is None
