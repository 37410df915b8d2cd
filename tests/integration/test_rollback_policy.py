"""A rollback policy end to end on the shop: 1.1's slow product page breaks the storefront's p95
while Locust drives it; the bot stops the load, rolls back to 1.0, says why and audits it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from actions.context import Event
from actions.environments.factory import open_environment
from bot.jobs import JobRunner
from bot.replies import Caller, Started
from bot.service import Preprod
from storage import audit, runs
from storage.store import Store
from tests.conftest import example_settings

ENGINEER = Caller(user="local:eve", surface="cli", name="eve")
POLICY = {
    "name": "storefront-latency",
    "metric": "p95_ms",
    "service": "storefront",
    "breach": "> 200",
    "for": "2s",
    "window": "3s",
    "min_requests": 10,
}


@pytest.fixture
def make_bot(tmp_path: Path):
    made: list[Preprod] = []

    def make(**policy: Any) -> Preprod:
        settings = example_settings(
            tmp_path,
            rollback_policies=[{**POLICY, **policy}],
            plan=["deploy", "load", "analyze", "report"],
        )
        settings.environments["local"].teardown_after_run = False
        settings.apps["shop"].load = settings.apps["shop"].load.model_copy(  # type: ignore[union-attr]
            update={"duration": "12s"}
        )
        store = Store(settings.resolve(settings.storage.path))
        made.append(Preprod(settings, store, runner=JobRunner(settings, store)))
        return made[-1]

    yield make
    for bot in made:
        bot.runner.shutdown()
        open_environment(bot.settings, "local").teardown()


def run(bot: Preprod, command: str, events: list[Event]) -> dict[str, Any]:
    started = bot.handle(command, ENGINEER)
    assert isinstance(started, Started), started
    bot.runner.wait(started.run_id, timeout=120)
    run = runs.get_run(bot.store, started.run_id)
    assert run is not None and run["status"] == "done", run
    return run


def results(bot: Preprod, run_id: int) -> dict[str, dict[str, Any]]:
    return {r["step"]: r for r in runs.results_of(bot.store, run_id)}


def test_a_breach_rolls_the_candidate_back_stops_the_run_and_fails_the_verdict(make_bot) -> None:
    bot = make_bot()
    events: list[Event] = []
    bot.runner.subscribe(events.append)
    run(bot, "deploy shop 1.0", events)

    candidate = run(bot, "ready shop 1.1", events)

    by_step = results(bot, candidate["id"])
    policy = by_step["rollback-policy"]
    assert policy["status"] == "fail"
    assert "p95_ms of storefront" in policy["summary"] and "> 200 for" in policy["summary"]
    assert policy["data"]["breaches"][0]["rollback"]["release"]["version"] == "1.0"
    # The load was stopped early, its figures up to then kept as evidence.
    load = by_step["load"]
    assert load["status"] == "warn" and load["summary"].startswith("stopped after ")
    assert load["data"]["duration_s"] == 12 and load["data"]["aggregate"]["requests"] > 0
    assert candidate["verdict"] == "no-go"
    report = Path(candidate["report_path"]).read_text()
    assert "rollback-policy failed: policy storefront-latency" in report
    # 1.0 serves again, healthy.
    status = open_environment(bot.settings, "local").status()
    assert status.version == "1.0" and all(s.healthy for s in status.services)
    # Said in the run's thread (warnings), and audited as the policy's own action.
    warnings = [
        e.message for e in events if e.kind == "warning" and e.run_id == str(candidate["id"])
    ]
    assert any("rolling back shop 1.1 on local" in w for w in warnings)
    entries = [
        e for e in audit.entries(bot.store, verb="rollback") if e["user"].startswith("policy:")
    ]
    assert [e["outcome"] for e in reversed(entries)] == ["started", "done"]
    assert {e["user"] for e in entries} == {"policy:storefront-latency"}
    assert all(e["run_id"] == candidate["id"] for e in entries)


def test_a_dry_run_policy_only_warns_and_the_candidate_keeps_running(make_bot) -> None:
    bot = make_bot(dry_run=True)
    events: list[Event] = []
    bot.runner.subscribe(events.append)

    candidate = run(bot, "ready shop 1.1", events)

    by_step = results(bot, candidate["id"])
    assert by_step["rollback-policy"]["status"] == "warn"
    assert by_step["rollback-policy"]["summary"].startswith("dry run: policy storefront-latency")
    assert by_step["load"]["status"] == "pass"  # the load ran its whole duration
    assert open_environment(bot.settings, "local").status().version == "1.1"
    warnings = [e.message for e in events if e.kind == "warning"]
    assert any("dry run: shop 1.1 would be rolled back" in w for w in warnings)
    entries = audit.entries(bot.store, verb="rollback")
    assert [e["outcome"] for e in entries] == ["dry-run"]
    assert entries[0]["user"] == "policy:storefront-latency"
