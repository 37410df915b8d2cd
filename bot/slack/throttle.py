"""At most one edit per key every few seconds, the last wish kept. Pure: the clock is passed in."""

from __future__ import annotations


class Throttle:
    """When a keyed action (a message edit) may happen; a wish inside the gap is deferred."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last: dict[int, float] = {}
        self._due: dict[int, float] = {}

    def ask(self, key: int, now: float) -> bool:
        """True: act now (then call `done`). False: deferred until `next_due()`."""
        last = self._last.get(key)
        if last is None or now - last >= self.interval:
            return True
        self._due.setdefault(key, last + self.interval)
        return False

    def done(self, key: int, now: float) -> None:
        """The action happened at `now`; any deferred wish for the key is fulfilled."""
        self._last[key] = now
        self._due.pop(key, None)

    def due(self, now: float) -> list[int]:
        """Keys whose deferred wish may run now."""
        return [key for key, at in self._due.items() if at <= now]

    def next_due(self) -> float | None:
        return min(self._due.values(), default=None)

    def forget(self, key: int) -> None:
        self._last.pop(key, None)
        self._due.pop(key, None)
