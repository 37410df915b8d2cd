"""Slack user-group membership, looked up only for the groups the config names, and cached."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

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
        self.clock = clock
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()
        self._fetching: dict[str, threading.Lock] = {}

    def groups_of(self, user: str) -> tuple[str, ...]:
        """The configured groups the user is in; a failed lookup counts as no membership."""
        return tuple(g for g in self.group_ids if user in self._members_of(g))

    def _members_of(self, group: str) -> frozenset[str]:
        with self._lock:
            fetching = self._fetching.setdefault(group, threading.Lock())
        with fetching:  # one lookup per group at a time: concurrent commands share its answer
            cached = self._members.get(group)
            if cached and cached[0] > self.clock():
                return cached[1]
            response = self.web.call(
                "usergroups.users.list", self.web.client.usergroups_users_list, usergroup=group
            )
            members: frozenset[str]
            if response is None:
                log.warning("could not read the members of user group %s; taken as empty", group)
                members, ttl = frozenset(), FAILURE_TTL_S
            else:
                members, ttl = frozenset(response.get("users") or ()), self.ttl
            self._members[group] = (self.clock() + ttl, members)
            return members
