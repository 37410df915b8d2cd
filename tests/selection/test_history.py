"""The per-test history smart selection reads, from a temporary sqlite store."""

from __future__ import annotations

from typing import Any

from actions.result import Result, Status
from storage import runs
from storage.store import Store
from storage.test_history import e2e_history, known_tests


def stored_run(
    store: Store,
    app: str,
    version: str,
    tests: dict[str, tuple[str, float]],
    changed: list[str] | None = None,
) -> int:
    """A run whose e2e step stored these tests (`id: (outcome, seconds)`) and churn."""
    run_id = runs.create_run(store, verb="ready", command=f"ready {app} {version}", app=app)
    runs.update_run(store, run_id, version=version)
    data: dict[str, Any] = {
        "tests": [{"id": t, "outcome": o, "time_s": s} for t, (o, s) in tests.items()]
    }
    if changed is not None:
        data["churn"] = {"baseline": "1.0", "changed": changed}
    runs.start_step(store, run_id, 1, "e2e")
    runs.save_result(
        store, run_id, 1, Result(step="e2e", status=Status.PASS, summary="", data=data)
    )
    return run_id


def test_history_is_each_run_s_outcomes_durations_and_churn_oldest_first(store: Store) -> None:
    first = stored_run(store, "shop", "1.1", {"a": ("failed", 0.5), "b": ("passed", 1.0)}, ["x.py"])
    second = stored_run(store, "shop", "1.2", {"a": ("flaky", 0.4), "b": ("passed", 1.1)})

    history = e2e_history(store, "shop")

    assert [(run.run_id, run.version) for run in history] == [(first, "1.1"), (second, "1.2")]
    assert history[0].outcomes == {"a": "failed", "b": "passed"}
    assert history[1].durations == {"a": 0.4, "b": 1.1}
    assert (history[0].changed, history[1].changed) == (("x.py",), None)
    assert known_tests(history) == ["a", "b"]


def test_history_is_the_app_s_latest_runs_before_the_current_one(store: Store) -> None:
    ids = [stored_run(store, "shop", f"1.{i}", {"a": ("passed", 0.1)}) for i in range(5)]
    stored_run(store, "blog", "2.0", {"post": ("failed", 0.1)})

    history = e2e_history(store, "shop", before=ids[4], limit=2)

    assert [run.run_id for run in history] == ids[2:4]


def test_runs_without_e2e_results_are_no_history(store: Store) -> None:
    runs.create_run(store, verb="deploy", command="deploy shop 1.1", app="shop")

    assert e2e_history(store, "shop") == []
