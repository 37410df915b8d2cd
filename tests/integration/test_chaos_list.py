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


def test_a_run_the_guards_refuse_is_refused_at_once_with_every_reason(tmp_path: Path) -> None:
    bot = make(
        tmp_path,
        environments={
            "local": {"kind": "local", "chaos_allowed": True},
            "prod-like": {"kind": "local", "chaos_allowed": True, "protected": True},
        },
    )
    engineer = Caller(user="local:e", surface="cli")
    try:
        reply = bot.handle("chaos run catalog-latency prod-like", engineer)
    finally:
        bot.runner.shutdown()
    assert isinstance(reply, Reply) and reply.kind == "denied", reply
    assert "environment prod-like is protected" in reply.text
    assert "not in chaos.allowed_environments" in reply.text


def test_an_unknown_experiment_gets_the_nearest_name(tmp_path: Path) -> None:
    bot = make(tmp_path)
    try:
        reply = bot.handle("chaos run catalog-latncy local", Caller(user="local:e", surface="cli"))
    finally:
        bot.runner.shutdown()
    assert isinstance(reply, Reply) and reply.kind == "error"
    assert "Did you mean `catalog-latency`?" in reply.text


def test_a_protected_environment_in_the_chaos_allowlist_is_a_config_error(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        environments={"local": {"kind": "local", "protected": True}},
        chaos={"allowed_environments": ["local"]},
    )
    with pytest.raises(ConfigError, match="'local' is protected: never a chaos target"):
        load_settings(str(path))
