"""How a Slack user is shown when Slack did not say: a mention carries only the user id.

`users.info` (scope `users:read`) gives the display name; it is cached, and a failed lookup
(no scope, Slack down) shows the id: a name is for people reading the thread, never who decided
(approvals count the id).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bot.slack.web import SlackWeb

TTL_S = 3600.0
FAILURE_TTL_S = 60.0


class NameDirectory:
    """Slack user id → the name to show, looked up once an hour at most."""

    def __init__(
        self, web: SlackWeb, *, ttl: float = TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.web, self.ttl, self.clock = web, ttl, clock
        self._names: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()
        self._fetching: dict[str, threading.Lock] = {}

    def name_of(self, user: str) -> str:
        """The user's display name (or real name, or handle); the id when Slack cannot say."""
        with self._lock:
            fetching = self._fetching.setdefault(user, threading.Lock())
        with fetching:  # one lookup per person at a time: concurrent mentions share its answer
            cached = self._names.get(user)
            if cached and cached[0] > self.clock():
                return cached[1]
            return self._look_up(user)

    def _look_up(self, user: str) -> str:
        response = self.web.call("users.info", self.web.client.users_info, user=user)
        found = (response.get("user") if response is not None else None) or {}
        profile = found.get("profile") or {}
        shown = profile.get("display_name") or profile.get("real_name") or found.get("name")
        name = " ".join(str(shown or "").split())[:80]
        ttl = self.ttl if name else FAILURE_TTL_S
        self._names[user] = (self.clock() + ttl, name or user)
        return name or user
