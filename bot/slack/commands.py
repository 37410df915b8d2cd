"""What a Slack message asks for, decided without I/O: fast answers, mentions, thread commands."""

from __future__ import annotations

import re

from actions.config import PermissionsConfig
from actions.errors import UsageError
from bot import grammar, permissions
from bot.verbs import VERBS

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
THREAD_VERBS = ("status", "cancel", "report", "approve", "reject")
"""Verbs that, said in a run's thread without a run id, are about that run."""


def answers_at_once(text: str, user: str, config: PermissionsConfig) -> bool:
    """True when the answer needs no lookup, no job and no slow call, so it can go in the ack.

    That is a usage error, `help`, an unavailable verb, or a denial that no user group could
    change (roles are computed from the user id alone; groups are looked up only when needed).
    """
    try:
        command = grammar.parse(text)
    except UsageError:
        return True
    role = permissions.role_of(user, (), config, "slack")
    allowed = permissions.allowed(role, command)
    if allowed:
        return command.verb == "help" or not VERBS[command.verb].available
    return not permissions.groups_needed(config)


def verb_of(text: str) -> str:
    """The verb of a command line for metrics: a known verb, or `invalid`."""
    try:
        return grammar.parse(text).verb
    except UsageError:
        return "invalid"


def mention_text(text: str) -> str:
    """The command in an app mention: the text without `<@U…>` mentions."""
    return " ".join(_MENTION.sub(" ", text or "").split())


_MARKUP = re.compile(r"<([^<>|@][^<>|]*)(?:\|([^<>]*))?>")


def typed_text(text: str) -> str:
    """What the user typed, from the text Slack sends: links and references as Slack shows
    them (`<https://x|x>` → `https://x`, `<mailto:a@b|a@b>` → `a@b`, `<#C1|qa>` → `#qa`,
    `<!subteam^S1|@qa>` → `@qa`) and `&lt;` `&gt;` `&amp;` as the characters they stand for.
    User mentions (`<@U…>`) are left for `mention_text`."""

    def plain(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("#"):
            return f"#{label}" if label else target
        if target.startswith("!"):
            return label or target
        if target.startswith("mailto:"):
            return label or target.removeprefix("mailto:")
        return target

    decoded = _MARKUP.sub(plain, text or "")
    return decoded.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def in_thread(text: str, run_id: int | None) -> str:
    """A thread verb said in a run's thread without a run id is about that run: `status`,
    `report --format html`, `reject --reason "…"` (options kept as typed)."""
    found = re.match(r"\s*(\S+)(.*)", text, re.DOTALL)
    if run_id is None or found is None or found.group(1).lower() not in THREAD_VERBS:
        return text
    verb, rest = found.group(1).lower(), found.group(2)
    following = rest.split(maxsplit=1)
    if following and not following[0].startswith(("--", "—", "–")):
        return text  # a run id (or something else) was given: as typed
    return f"{verb} {run_id}{rest}"


def run_id_of(value: str | None) -> int | None:
    """The run id carried by a button's value, or None if it is not one."""
    text = (value or "").strip()
    return int(text) if text.isdigit() and len(text) < 12 else None
