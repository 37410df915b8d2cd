"""Pure decisions of the Slack surface: what the ack answers, mentions, delivery ids, throttle."""

from __future__ import annotations

import pytest

from actions.config import PermissionsConfig
from actions.errors import ConfigError
from bot.slack import commands
from bot.slack.config import slack_config
from bot.slack.dedupe import delivery_key
from bot.slack.throttle import Throttle

WITH_GROUPS = PermissionsConfig.model_validate(
    {"roles": {"engineer": {"users": ["U_ENG"], "groups": ["S_QA"]}}}
)
NO_GROUPS = PermissionsConfig.model_validate({"roles": {"engineer": {"users": ["U_ENG"]}}})


@pytest.mark.parametrize(
    ("text", "user", "config", "at_once"),
    [
        ("redy shop 1.1", "U_X", WITH_GROUPS, True),  # usage error
        ("", "U_X", WITH_GROUPS, True),  # help
        ("help ready", "U_X", WITH_GROUPS, True),
        ("seed local", "U_ENG", WITH_GROUPS, False),  # a job: handed off
        ("chaos list", "U_X", WITH_GROUPS, False),  # reads the experiments folder
        ("deploy shop 1.1", "U_X", NO_GROUPS, True),  # a denial nothing can change
        ("deploy shop 1.1", "U_X", WITH_GROUPS, False),  # a group might grant it
        ("deploy shop 1.1", "U_ENG", WITH_GROUPS, False),  # starts a job
        ("history", "U_X", NO_GROUPS, False),  # reads storage
        ("status", "U_X", NO_GROUPS, False),  # may ask an environment
    ],
)
def test_what_is_answered_in_the_ack(text, user, config, at_once) -> None:
    assert commands.answers_at_once(text, user, config) is at_once


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("<@UBOT> status", "status"),
        ("<@UBOT|preprod>   ready shop 1.1", "ready shop 1.1"),
        ("hey <@UBOT> history", "hey history"),
        ("<@UBOT>", ""),
    ],
)
def test_a_mention_is_read_without_the_mentions(text, command) -> None:
    assert commands.mention_text(text) == command


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        (
            "reject 12 --reason p95 &gt; 200ms &amp; &lt;flaky&gt;",
            "reject 12 --reason p95 > 200ms & <flaky>",
        ),
        (
            "seed local --from <postgresql://db.internal/shop>",
            "seed local --from postgresql://db.internal/shop",
        ),
        ("logs storefront <https://x.io/a|x.io/a>", "logs storefront https://x.io/a"),
        (
            "defects --reason <mailto:ann@example.com|ann@example.com>",
            "defects --reason ann@example.com",
        ),
        ("status <#C0123|qa-runs>", "status #qa-runs"),
        ("help <!subteam^S01|@qa-leads>", "help @qa-leads"),
        ("approve 3 <@U1>", "approve 3 <@U1>"),  # user mentions: mention_text's business
        ("&amp;lt;", "&lt;"),  # decoded once, not twice
    ],
)
def test_what_slack_sends_is_read_as_what_was_typed(sent: str, typed: str) -> None:
    assert commands.typed_text(sent) == typed


@pytest.mark.parametrize(
    ("text", "run_id", "meant"),
    [
        ("status", 12, "status 12"),
        ("Cancel", 12, "cancel 12"),
        ("report", 12, "report 12"),
        ("status 3", 12, "status 3"),
        ("history", 12, "history"),
        ("status", None, "status"),
        ("approve", 12, "approve 12"),
        ('reject --reason "checkout  flaky"', 12, 'reject 12 --reason "checkout  flaky"'),
        ("Approve —override why", 12, "approve 12 —override why"),
        ("report --format html", 12, "report 12 --format html"),
        ("reject 9 --reason x", 12, "reject 9 --reason x"),
        ("", 12, ""),
    ],
)
def test_a_thread_verb_without_a_run_in_a_runs_thread_means_that_run(text, run_id, meant) -> None:
    assert commands.in_thread(text, run_id) == meant


@pytest.mark.parametrize(
    ("value", "run_id"),
    [("12", 12), (" 7 ", 7), ("x", None), ("", None), (None, None), ("9" * 20, None)],
)
def test_a_button_value_is_a_run_id_or_nothing(value, run_id) -> None:
    assert commands.run_id_of(value) == run_id


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"event_id": "Ev1", "event": {}}, "event:Ev1"),
        ({"command": "/preprod", "trigger_id": "t.1"}, "command:t.1"),
        (
            {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_ts": "1.5"}]},
            "action:U1:1.5",
        ),
        ({"type": "block_actions", "user": {"id": "U1"}, "actions": []}, None),
        ({"type": "view_submission"}, None),
    ],
)
def test_each_kind_of_delivery_has_its_id(body, key) -> None:
    assert delivery_key(body) == key


def test_the_throttle_allows_one_edit_per_interval_and_keeps_the_last_wish() -> None:
    throttle = Throttle(3.0)
    assert throttle.ask(1, now=0.0)
    throttle.done(1, now=0.0)
    assert not throttle.ask(1, now=1.0)
    assert not throttle.ask(1, now=2.0)
    assert throttle.next_due() == 3.0
    assert throttle.due(2.9) == [] and throttle.due(3.0) == [1]
    throttle.done(1, now=3.0)
    assert throttle.next_due() is None
    assert throttle.ask(2, now=3.1), "runs are throttled apart"
    assert throttle.ask(1, now=6.0)


def test_a_forgotten_run_has_no_pending_edit() -> None:
    throttle = Throttle(3.0)
    throttle.done(1, 0.0)
    throttle.ask(1, 1.0)
    throttle.forget(1)
    assert throttle.next_due() is None and throttle.ask(1, 1.5)


def test_slack_config_reads_the_api_url_and_hides_secrets() -> None:
    config = slack_config(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s3cret",
            "SLACK_API_URL": "http://x/",
        },
        socket_mode=False,
    )
    assert config.api_url == "http://x/" and config.signing_secret == "s3cret"
    assert "xoxb" not in repr(config) and "s3cret" not in repr(config)
    default = slack_config({"SLACK_BOT_TOKEN": "a", "SLACK_SIGNING_SECRET": "b"}, socket_mode=False)
    assert default.api_url == "https://slack.com/api/"


def test_slack_config_names_every_missing_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        slack_config({"SLACK_BOT_TOKEN": " "}, socket_mode=True)
    assert "SLACK_BOT_TOKEN is not set" in str(caught.value)
    assert "SLACK_APP_TOKEN is not set" in str(caught.value)
