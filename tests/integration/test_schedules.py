"""Schedules: apscheduler with a persistent job store, managed from chat, run as a caller."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from actions.context import RunContext
from actions.plan import RunOutcome, RunRequest
from bot.jobs import JobRunner
from bot.replies import Caller
from bot.schedules import Schedules
from bot.service import Preprod
from storage import runs
from storage.store import Store
from tests.conftest import example_settings

ADMIN = Caller(user="UADMIN", surface="slack", channel="C42")
VIEWER = Caller(user="UVIEW", surface="slack")


def _quick(request: RunRequest, ctx: RunContext) -> RunOutcome:
    return RunOutcome()


@pytest.fixture
def start_bot(tmp_path: Path):
    started: list[tuple[Preprod, Schedules]] = []

    def start(**overrides) -> tuple[Preprod, Schedules]:
        settings = example_settings(
            tmp_path, permissions={"roles": {"admin": {"users": ["UADMIN"]}}}, **overrides
        )
        store = Store(settings.resolve(settings.storage.path))
        bot = Preprod(settings, store, runner=JobRunner(settings, store, executor=_quick))
        schedules = Schedules(bot)
        schedules.start()
        started.append((bot, schedules))
        return bot, schedules

    yield start
    for bot, schedules in started:
        schedules.shutdown()
        bot.runner.shutdown()


def test_config_schedules_are_listed_with_their_next_time(start_bot) -> None:
    nightly = {"name": "nightly", "cron": "0 2 * * *", "command": "ready shop 1.1"}
    bot, _ = start_bot(schedules=[nightly])
    text = bot.handle("schedule list", VIEWER).text
    assert text.startswith("nightly: `ready shop 1.1` next at ")
    assert "02:00:00" in text


def test_an_admin_adds_a_schedule_and_it_survives_a_restart(start_bot) -> None:
    bot, schedules = start_bot()
    reply = bot.handle("schedule add weekly --cron '0 3 * * 1' -- ready shop 1.0", ADMIN)
    assert reply.text.startswith("scheduled weekly: `ready shop 1.0` at `0 3 * * 1`")
    schedules.shutdown()
    bot.runner.shutdown()
    again, _ = start_bot()
    assert "weekly: `ready shop 1.0`" in again.handle("schedule list", VIEWER).text


def test_a_viewer_cannot_add_a_schedule(start_bot) -> None:
    bot, _ = start_bot()
    reply = bot.handle("schedule add x --cron '* * * * *' -- ready shop 1.1", VIEWER)
    assert reply.kind == "denied"


def test_a_bad_cron_is_explained(start_bot) -> None:
    bot, _ = start_bot()
    reply = bot.handle("schedule add x --cron 'every day' -- ready shop 1.1", ADMIN)
    assert reply.kind == "error" and "is not a crontab expression" in reply.text


def test_a_scheduled_command_with_a_typo_is_refused_when_added(start_bot) -> None:
    bot, _ = start_bot()
    reply = bot.handle("schedule add x --cron '0 2 * * *' -- redy shop 1.1", ADMIN)
    assert reply.kind == "error" and "Did you mean `ready`" in reply.text


def test_remove_deletes_a_schedule(start_bot) -> None:
    bot, _ = start_bot()
    bot.handle("schedule add x --cron '0 2 * * *' -- history", ADMIN)
    assert bot.handle("schedule remove x", ADMIN).text == "removed x"
    assert bot.handle("schedule list", VIEWER).text == "no schedules"


def test_a_due_schedule_starts_a_run_as_the_schedule(start_bot) -> None:
    bot, schedules = start_bot()
    bot.handle("schedule add soon --cron '0 2 * * *' -- deploy shop 1.0", ADMIN)
    schedules.scheduler.modify_job("soon", next_run_time=datetime.now(UTC))
    for _ in range(100):
        found = runs.recent_runs(bot.store)
        if found and found[0]["status"] == "done":
            break
        time.sleep(0.1)
    run = runs.recent_runs(bot.store)[0]
    assert (run["verb"], run["surface"], run["requested_by"]) == (
        "deploy",
        "schedule",
        "schedule soon",
    )


def test_outside_serve_schedule_commands_say_where_schedules_run(tmp_path: Path) -> None:
    settings = example_settings(tmp_path)
    bot = Preprod(settings, Store(settings.resolve(settings.storage.path)))
    try:
        assert "schedules run inside `preprod serve`" in bot.handle("schedule list", VIEWER).text
    finally:
        bot.runner.shutdown()
