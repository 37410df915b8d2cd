"""How a Slack user is shown when Slack did not say: a mention carries only the user id.

`users.info` (scope `users:read`) gives the display name; it is cached, and a failed lookup
(no scope, Slack down) shows the id: a name is for people reading the thread, never who decided
(approvals count the id).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.slack.cached import Cached
from bot.slack.web import SlackWeb

TTL_S = 3600.0
FAILURE_TTL_S = 60.0


class NameDirectory:
    """Slack user id → the name to show, looked up once an hour at most."""

    def __init__(
        self, web: SlackWeb, *, ttl: float = TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.web, self.ttl = web, ttl
        self._names: Cached[str] = Cached(clock)

    def name_of(self, user: str) -> str:
        """The user's display name (or real name, or handle); the id when Slack cannot say."""
        return self._names.get(user, lambda: self._look_up(user))

    def _look_up(self, user: str) -> tuple[str, float]:
        response = self.web.call("users.info", self.web.client.users_info, user=user)
        found = (response.get("user") if response is not None else None) or {}
        profile = found.get("profile") or {}
        shown = profile.get("display_name") or profile.get("real_name") or found.get("name")
        name = " ".join(str(shown or "").split())[:80]
        return (name, self.ttl) if name else (user, FAILURE_TTL_S)
