"""`chaos list`: the shipped experiments with the guards' verdict for an environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.errors import ConfigError
from bot.jobs import JobRunner
from bot.replies import Caller, Reply
from bot.service import Preprod
from bot.settings import load_settings
from storage.store import Store
from tests.conftest import example_settings, write_config

VIEWER = Caller(user="U_VIEW", surface="slack")


def make(tmp_path: Path, **overrides: object) -> Preprod:
    settings = example_settings(tmp_path, **overrides)
    store = Store(settings.resolve(settings.storage.path))
    return Preprod(settings, store, runner=JobRunner(settings, store))


def test_a_viewer_lists_the_experiments_and_what_the_guards_say(tmp_path: Path) -> None:
    bot = make(tmp_path)
    try:
        reply = bot.handle("chaos list", VIEWER)
    finally:
        bot.runner.shutdown()
    assert isinstance(reply, Reply) and reply.kind != "error", reply.text
    assert "• catalog-latency: catalog answers 300 ms late (not destructive" in reply.text
    assert "• catalog-down: catalog is down (destructive, needs approval" in reply.text
    assert reply.text.count("— allowed") == 2


def test_where_chaos_is_not_allowed_the_list_says_why(tmp_path: Path) -> None:
    bot = make(
        tmp_path,
        environments={
            "local": {"kind": "local", "chaos_allowed": True},
            "shared": {"kind": "local", "chaos_allowed": False},
        },
    )
    try:
        reply = bot.handle("chaos list shared", VIEWER)
    finally:
        bot.runner.shutdown()
    assert "guards for shared" in reply.text and "— allowed" not in reply.text
    assert reply.text.count("refused: ") == 2


def test_running_an_experiment_says_plainly_it_is_not_there_yet(tmp_path: Path) -> None:
    bot = make(tmp_path)
    try:
        reply = bot.handle("chaos run catalog-latency local", Caller(user="local:e", surface="cli"))
    finally:
        bot.runner.shutdown()
    assert isinstance(reply, Reply) and reply.kind == "unavailable"
    assert "`chaos run` is not available yet" in reply.text


def test_a_protected_environment_in_the_chaos_allowlist_is_a_config_error(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        environments={"local": {"kind": "local", "protected": True}},
        chaos={"allowed_environments": ["local"]},
    )
    with pytest.raises(ConfigError, match="'local' is protected: never a chaos target"):
        load_settings(str(path))
