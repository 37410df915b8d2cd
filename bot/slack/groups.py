"""Slack user-group membership, looked up only for the groups the config names, and cached."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from bot.slack.cached import Cached
from bot.slack.web import SlackWeb

log = logging.getLogger(__name__)

TTL_S = 300.0
FAILURE_TTL_S = 30.0  # a failed lookup is retried soon, not on every command


class GroupDirectory:
    """Which of the configured user groups a Slack user belongs to."""

    def __init__(
        self,
        web: SlackWeb,
        group_ids: Iterable[str],
        *,
        ttl: float = TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.web = web
        self.group_ids = sorted(set(group_ids))
        self.ttl = ttl
        self._members: Cached[frozenset[str]] = Cached(clock)

    def groups_of(self, user: str) -> tuple[str, ...]:
        """The configured groups the user is in; a failed lookup counts as no membership."""
        return tuple(g for g in self.group_ids if user in self._members_of(g))

    def _members_of(self, group: str) -> frozenset[str]:
        return self._members.get(group, lambda: self._fetch(group))

    def _fetch(self, group: str) -> tuple[frozenset[str], float]:
        response = self.web.call(
            "usergroups.users.list", self.web.client.usergroups_users_list, usergroup=group
        )
        if response is None:
            log.warning("could not read the members of user group %s; taken as empty", group)
            return frozenset(), FAILURE_TTL_S
        return frozenset(response.get("users") or ()), self.ttl
