"""Options of the job verbs reach the run request, and bad values get a plain usage error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from actions.errors import UsageError
from bot import grammar
from bot.jobs import JobRunner
from bot.replies import Caller, Reply
from bot.service import Preprod
from storage.store import Store
from tests.conftest import example_settings


@pytest.fixture
def bot(tmp_path: Path):
    settings = example_settings(tmp_path)
    store = Store(settings.resolve(settings.storage.path))
    made = Preprod(settings, store, runner=JobRunner(settings, store))
    yield made
    made.runner.shutdown()


def test_select_and_budget_reach_the_e2e_request(bot: Preprod) -> None:
    request = bot.request_for(grammar.parse("test e2e local --select smart --budget 2m"))
    assert (request.plan, request.select, request.budget) == (["e2e"], "smart", "2m")


def test_a_pattern_selects_by_name_and_all_is_the_default(bot: Preprod) -> None:
    assert bot.request_for(grammar.parse("test e2e --select order")).select == "order"
    assert bot.request_for(grammar.parse("test e2e")).select == "all"


def test_workers_users_and_duration_reach_the_load_request(bot: Preprod) -> None:
    request = bot.request_for(grammar.parse("load local --users 20 --duration 1m --workers 2"))
    assert (request.load_users, request.load_duration, request.load_workers) == (20, "1m", 2)


def test_scan_is_a_run_of_the_scan_step(bot: Preprod) -> None:
    request = bot.request_for(grammar.parse("scan local --app shop"))
    assert (request.plan, request.app) == (["scan"], "shop")


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("load --workers many", "`--workers` must be a whole number from 0, not `many`"),
        ("load --users -3", "`--users` must be a whole number from 1, not `-3`"),
        ("load --users 0", "`--users` must be a whole number from 1, not `0`"),
        ("test e2e --budget soon", "`--budget` must be a duration such as 30s or 2m, not `soon`"),
        ("load --duration forever", "`--duration` must be a duration"),
    ],
)
def test_bad_option_values_are_usage_errors(bot: Preprod, command: str, problem: str) -> None:
    with pytest.raises(UsageError, match=re.escape(problem)):
        bot.request_for(grammar.parse(command))
    reply = bot.handle(command, Caller(user="local:eve", surface="cli", name="eve"))
    assert isinstance(reply, Reply) and reply.kind == "error" and problem in reply.text
