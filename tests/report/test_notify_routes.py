"""A failed run's notice reaches the channel of each team owning a failing service (not the run's
own channel, which has the thread), and nothing is sent for an outcome the config ignores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from actions.context import Event
from actions.result import Finding, Result, Severity, Status
from bot.notify import FailureNotifier
from storage import jobs, runs
from storage.store import Store
from tests.conftest import example_settings

ROUTES = {"storefront": "#team-web", "catalog": "#team-catalog"}


def finished(store: Store, verdict: str, *findings: Finding) -> int:
    run_id = runs.create_run(
        store, verb="ready", command="ready shop 1.1", app="shop", version="1.1",
        environment="local", status="done", verdict=verdict,
    )  # fmt: skip
    jobs.create_job(store, run_id, channel="#preprod")
    status = Status.FAIL if findings else Status.PASS
    runs.start_step(store, run_id, 0, "e2e")
    runs.save_result(
        store, run_id, 0, Result(step="e2e", status=status, summary="e2e", findings=[*findings])
    )
    return run_id


def notifier(tmp_path: Path, **notifications: Any) -> tuple[FailureNotifier, list, Store]:
    settings = example_settings(tmp_path, notifications=notifications)
    store = Store(tmp_path / "preprod.db")
    posted: list[tuple[str, str, list]] = []
    made = FailureNotifier(
        settings, store, environ={}, slack=lambda c, t, b: posted.append((c, t, b))
    )
    return made, posted, store


def test_each_owning_team_hears_of_its_service_only(tmp_path: Path) -> None:
    made, posted, store = notifier(tmp_path, routes=ROUTES, channel="#preprod")
    run_id = finished(
        store,
        "no-go",
        Finding(severity=Severity.HIGH, title="checkout answered 500", service="storefront"),
    )
    made.event(Event("run_finished", str(run_id), "verdict no-go", data={"status": "done"}))
    assert [c for c, _, _ in posted] == ["#team-web"]  # #preprod is the run's own thread
    assert "checkout answered 500" in str(posted[0][2])


def test_a_go_run_notifies_nobody(tmp_path: Path) -> None:
    made, posted, store = notifier(tmp_path, routes=ROUTES)
    run_id = finished(store, "go")
    made.event(Event("run_finished", str(run_id), "verdict go", data={"status": "done"}))
    assert posted == []
