"""`flags ENV [set NAME=VALUE]`: shown to viewers, changed by engineers, audited."""

from __future__ import annotations

from pathlib import Path

from bot.replies import Caller
from bot.service import Preprod
from storage import audit
from storage.store import Store
from tests.conftest import example_settings

ENGINEER = Caller(user="local:eve", surface="cli", name="eve")
VIEWER = Caller(user="U_VIEW", surface="slack")


def _bot(tmp_path: Path, **overrides) -> Preprod:
    settings = example_settings(tmp_path, **overrides)
    return Preprod(settings, Store(settings.resolve(settings.storage.path)))


def test_an_engineer_sets_a_flag_and_a_viewer_sees_it(tmp_path: Path) -> None:
    bot = _bot(tmp_path)
    try:
        assert bot.handle("flags local", VIEWER).text == "no flags set"
        reply = bot.handle("flags local set checkout.new_flow=true", ENGINEER)
        assert reply.text == "local: checkout.new_flow = `true` (was unset)"
        again = bot.handle("flags local set checkout.new_flow=false", ENGINEER)
        assert again.text.endswith("(was `true`)")
        assert bot.handle("flags local", VIEWER).text == "checkout.new_flow = false"
        outcomes = [e["outcome"] for e in reversed(audit.entries(bot.store, verb="flags"))]
        assert outcomes == ["answered", "requested", "done", "requested", "done", "answered"]
    finally:
        bot.runner.shutdown()


def test_a_viewer_cannot_change_a_flag(tmp_path: Path) -> None:
    bot = _bot(tmp_path)
    try:
        reply = bot.handle("flags local set a=b", VIEWER)
        assert reply.kind == "denied" and "needs the engineer role" in reply.text
        assert bot.handle("flags local", VIEWER).text == "no flags set"
    finally:
        bot.runner.shutdown()


def test_a_malformed_assignment_is_explained(tmp_path: Path) -> None:
    bot = _bot(tmp_path)
    try:
        reply = bot.handle("flags local set novalue", ENGINEER)
        assert reply.kind == "error" and "NAME=VALUE" in reply.text
    finally:
        bot.runner.shutdown()


def test_flags_of_a_protected_environment_cannot_be_changed(tmp_path: Path) -> None:
    bot = _bot(
        tmp_path,
        environments={"local": {"kind": "local"}, "prod": {"kind": "local", "protected": True}},
    )
    try:
        reply = bot.handle("flags prod set a=b", ENGINEER)
        assert reply.kind == "denied" and "protected" in reply.text
        assert bot.handle("flags prod", VIEWER).text == "no flags set"
    finally:
        bot.runner.shutdown()
