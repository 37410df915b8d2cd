"""The shipped Slack app manifest matches what the app listens to."""

from __future__ import annotations

import yaml

from bot.slack.app import SLASH_COMMAND
from bot.slack.wsgi import EVENTS_PATH
from tests.conftest import ROOT

MANIFEST = yaml.safe_load((ROOT / "slack-manifest.yml").read_text(encoding="utf-8"))


def test_the_manifest_declares_the_slash_command_at_the_events_path() -> None:
    (command,) = MANIFEST["features"]["slash_commands"]
    assert command["command"] == SLASH_COMMAND
    assert command["url"].endswith(EVENTS_PATH)


def test_the_manifest_subscribes_to_mentions_and_enables_the_cancel_button() -> None:
    settings = MANIFEST["settings"]
    assert settings["event_subscriptions"]["bot_events"] == ["app_mention"]
    assert settings["event_subscriptions"]["request_url"].endswith(EVENTS_PATH)
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is False


def test_the_manifest_asks_for_the_scopes_the_bot_uses() -> None:
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    needed = {"commands", "chat:write", "files:write", "app_mentions:read", "usergroups:read"}
    needed.add("users:read")  # the name of who mentioned the bot
    assert needed <= scopes
