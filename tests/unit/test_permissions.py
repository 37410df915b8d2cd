"""Roles: every verb against every role, and roles granted by user id or user group."""

from __future__ import annotations

import pytest

from actions.config import PermissionsConfig
from actions.errors import PermissionDenied
from bot.grammar import parse
from bot.permissions import allowed, check, mutating, role_of

SAMPLE = {
    "help": "help",
    "ready": "ready shop 1.1",
    "deploy": "deploy shop 1.1",
    "rollback": "rollback local",
    "status": "status",
    "test": "test e2e",
    "load": "load",
    "seed": "seed local",
    "scan": "scan local",
    "chaos": "chaos run latency local",
    "metrics": "metrics local",
    "logs": "logs catalog",
    "rca": "rca 1",
    "defects": "defects",
    "recheck": "recheck PP-1",
    "report": "report 1",
    "approve": "approve 1",
    "reject": "reject 1 --reason no",
    "history": "history",
    "cancel": "cancel 1",
    "schedule": "schedule add nightly --cron '0 2 * * *' -- ready shop 1.1",
    "parity": "parity staging",
    "flags": "flags staging set a=b",
}

# The least role each sample command needs.
EXPECTED = {
    "viewer": {
        "help",
        "status",
        "metrics",
        "logs",
        "rca",
        "defects",
        "report",
        "history",
        "parity",
        # who may decide on a report is the quorum's seats (`approval.seats`), checked on use
        "approve",
        "reject",
    },
    "engineer": {
        *("ready", "deploy", "rollback", "test", "load", "seed", "scan", "chaos", "cancel"),
        "flags",
        "recheck",
    },
    "release-manager": set(),
    "admin": {"schedule"},
}
ORDER = ["none", "viewer", "engineer", "release-manager", "admin"]


def _least(verb: str) -> str:
    return next(role for role, verbs in EXPECTED.items() if verb in verbs)


@pytest.mark.parametrize("verb", sorted(SAMPLE))
@pytest.mark.parametrize("role", ORDER)
def test_every_verb_against_every_role(verb: str, role: str) -> None:
    command = parse(SAMPLE[verb])
    expected = ORDER.index(role) >= ORDER.index(_least(verb))
    assert allowed(role, command) is expected


def test_the_table_covers_every_verb() -> None:
    assert set(SAMPLE) == set().union(*EXPECTED.values())


def test_listing_schedules_needs_only_viewer() -> None:
    assert allowed("viewer", parse("schedule list"))


def test_showing_flags_needs_only_viewer() -> None:
    assert allowed("viewer", parse("flags staging"))
    assert allowed("viewer", parse("flags staging show"))


def test_listing_chaos_experiments_needs_only_viewer() -> None:
    assert allowed("viewer", parse("chaos list"))


def test_a_denial_says_what_role_is_needed() -> None:
    with pytest.raises(
        PermissionDenied, match="`deploy` needs the engineer role; you have the viewer"
    ):
        check("viewer", parse("deploy shop 1.1"))


def test_role_comes_from_user_id() -> None:
    config = PermissionsConfig.model_validate({"roles": {"admin": {"users": ["U1"]}}})
    assert role_of("U1", [], config, "slack") == "admin"
    assert role_of("U2", [], config, "slack") == "viewer"


def test_role_comes_from_a_user_group() -> None:
    config = PermissionsConfig.model_validate(
        {"roles": {"release-manager": {"groups": ["S9"]}, "engineer": {"users": ["U1"]}}}
    )
    assert role_of("U1", ["S9"], config, "slack") == "release-manager"


def test_default_role_none_denies_strangers_everything() -> None:
    config = PermissionsConfig.model_validate({"default_role": "none"})
    assert role_of("U5", [], config, "slack") == "none"
    assert not allowed("none", parse("history"))


def test_terminal_users_get_the_cli_role() -> None:
    config = PermissionsConfig.model_validate({"cli_role": "viewer"})
    assert role_of("local:alice", [], config, "cli") == "viewer"
    assert not allowed("viewer", parse("ready shop 1.1"))


@pytest.mark.parametrize(
    ("text", "changes"),
    [
        ("flags staging", False),
        ("flags staging set a=b", True),
        ("schedule list", False),
        ("schedule add x --cron '0 2 * * *' -- history", True),
        ("deploy shop 1.1", True),
        ("parity staging", False),
        ("history", False),
    ],
)
def test_which_commands_change_something(text: str, changes: bool) -> None:
    assert mutating(parse(text)) is changes
