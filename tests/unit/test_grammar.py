"""The command grammar: every surface parses commands the same way."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.errors import UsageError
from bot.grammar import Command, parse
from bot.verbs import VERBS

ISSUE_VERBS = [
    "help",
    "deploy",
    "status",
    "rollback",
    "seed",
    "test",
    "load",
    "scan",
    "chaos",
    "metrics",
    "logs",
    "rca",
    "defects",
    "recheck",
    "ready",
    "report",
    "approve",
    "history",
    "cancel",
    "schedule",
]


def test_the_grammar_has_every_verb_of_the_issues() -> None:
    assert sorted(VERBS) == sorted([*ISSUE_VERBS, "parity", "flags", "reject", "teardown"])


def test_flags_takes_an_environment_then_set_and_an_assignment() -> None:
    command = parse("flags staging set checkout.new_flow=true")
    assert command.args == {
        "env": "staging",
        "action": "set",
        "assignment": "checkout.new_flow=true",
    }
    assert command.subcommand == "set"
    assert parse("flags staging").subcommand is None


def test_a_mistyped_flags_action_names_the_nearest() -> None:
    with pytest.raises(UsageError, match="Did you mean `set`"):
        parse("flags staging sett a=b")


def test_ready_takes_app_and_version() -> None:
    command = parse("ready shop 1.1")
    assert command == Command("ready", {"app": "shop", "version": "1.1"}, text="ready shop 1.1")


def test_options_take_values_with_or_without_equals() -> None:
    command = parse("ready shop 1.1 --env=local --baseline 1.0")
    assert command.options == {"env": "local", "baseline": "1.0"}


def test_the_slash_prefix_is_ignored() -> None:
    assert parse("/preprod history").verb == "history"


def test_empty_text_asks_for_help() -> None:
    assert parse("   ").verb == "help"


def test_unknown_verb_names_the_nearest_match() -> None:
    with pytest.raises(UsageError, match="Did you mean `ready`"):
        parse("redy shop 1.1")


def test_unknown_verb_far_from_any_lists_the_commands() -> None:
    with pytest.raises(UsageError, match="Commands: help, ready"):
        parse("zzzzzz")


def test_missing_argument_says_which_and_shows_usage() -> None:
    with pytest.raises(UsageError, match=r"missing <version>\nUsage: `ready <app> <version>"):
        parse("ready shop")


def test_extra_argument_is_refused() -> None:
    with pytest.raises(UsageError, match="unexpected `extra`"):
        parse("ready shop 1.1 extra")


def test_mistyped_option_names_the_nearest_option() -> None:
    with pytest.raises(UsageError, match="Did you mean `--env`"):
        parse("ready shop 1.1 --evn local")


def test_option_without_value_is_refused() -> None:
    with pytest.raises(UsageError, match="`--limit` needs a value"):
        parse("history --limit")


def test_option_choices_are_enforced() -> None:
    with pytest.raises(UsageError, match="must be one of md, html, json"):
        parse("report 3 --format pdf")


def test_subcommand_is_checked_with_nearest_match() -> None:
    with pytest.raises(UsageError, match="Did you mean `e2e`"):
        parse("test e3e")


def test_schedule_takes_a_quoted_cron_and_the_rest_as_a_command() -> None:
    command = parse("schedule add nightly --cron “0 2 * * *” -- ready shop 1.1")
    assert command.subcommand == "add"
    assert command.options["cron"] == "0 2 * * *"
    assert command.rest == ("ready", "shop", "1.1")


def test_unbalanced_quotes_are_a_usage_error() -> None:
    with pytest.raises(UsageError, match="could not read"):
        parse('ready "shop 1.1')


def test_names_with_shell_or_markup_characters_are_refused() -> None:
    with pytest.raises(UsageError, match="not a valid name"):
        parse("ready <script> 1.1")


def test_help_flag_on_a_verb_gives_its_help() -> None:
    assert parse("ready --help") == Command("help", {"verb": "ready"}, text="ready --help")


def test_very_long_input_is_refused() -> None:
    with pytest.raises(UsageError, match="too long"):
        parse("help " + "x" * 5000)


@given(st.text(max_size=300))
def test_no_input_crashes_the_parser(text: str) -> None:
    try:
        command = parse(text)
    except UsageError as exc:
        assert str(exc)
    else:
        assert command.verb in VERBS


@given(
    st.lists(st.sampled_from([*ISSUE_VERBS, "--env", "x", "1.1", "--", "'", "=", ""]), max_size=8)
)
def test_no_sequence_of_grammar_words_crashes_the_parser(words: list[str]) -> None:
    with contextlib.suppress(UsageError):
        parse(" ".join(words))


@pytest.mark.parametrize("dash", ["—", "–"])
def test_a_double_dash_a_chat_client_made_into_a_dash_still_reads(dash: str) -> None:
    command = parse(f"reject 12 {dash}reason “flaky — retried twice”")
    assert command.options == {"reason": "flaky — retried twice"}  # the dash inside stays
    scheduled = parse(f"schedule add nightly {dash}cron '0 2 * * *' {dash} ready shop 1.1")
    assert scheduled.options == {"cron": "0 2 * * *"} and scheduled.rest == ("ready", "shop", "1.1")
