"""Who may do what: roles from Slack user ids and user groups in config. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from actions.config import ROLES, PermissionsConfig
from actions.errors import PermissionDenied
from bot.grammar import Command
from bot.verbs import VERBS

RANK = {"none": -1, **{role: i for i, role in enumerate(ROLES)}}


def role_of(user: str, groups: Iterable[str], config: PermissionsConfig, surface: str) -> str:
    """The highest role the user holds, directly or through a group."""
    group_set = set(groups)
    best = config.cli_role if surface == "cli" else config.default_role
    for role, members in config.roles.items():
        member = user in members.users or bool(group_set.intersection(members.groups))
        if member and RANK[role] > RANK[best]:
            best = role
    return best


def required_role(command: Command) -> str:
    """The least role that may run this command (a subcommand may need more or less)."""
    spec = VERBS[command.verb]
    sub = command.subcommand
    if sub is not None and sub in spec.subcommands:
        return spec.subcommands[sub]
    return spec.role


def mutating(command: Command) -> bool:
    """Whether the command changes something (a read-only subcommand does not)."""
    spec = VERBS[command.verb]
    if spec.subcommands and command.subcommand is not None:
        return spec.mutating and spec.subcommands[command.subcommand] != "viewer"
    if spec.subcommands:
        return spec.mutating and spec.role != "viewer"
    return spec.mutating


def allowed(role: str, command: Command) -> bool:
    return RANK.get(role, -1) >= RANK[required_role(command)]


def check(role: str, command: Command) -> None:
    """Raise PermissionDenied, in words a person understands, unless the role suffices."""
    if allowed(role, command):
        return
    need = required_role(command)
    what = f"`{command.verb} {command.subcommand}`" if command.subcommand else f"`{command.verb}`"
    have = "no role" if role == "none" else f"the {role} role"
    raise PermissionDenied(f"{what} needs the {need} role; you have {have}. Ask an admin.")


def groups_needed(config: PermissionsConfig) -> set[str]:
    """User-group ids that grant a role (so surfaces only look up those)."""
    return {g for members in config.roles.values() for g in members.groups}
