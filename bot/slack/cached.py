"""Answers of slow Slack lookups kept for a while, one lookup per key at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Cached(Generic[T]):
    """`get(key, fetch)`: the kept answer while fresh, else `fetch()` → (answer, seconds to keep).

    Concurrent callers asking for the same key wait for one fetch and share its answer."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._kept: dict[str, tuple[float, T]] = {}
        self._lock = threading.Lock()
        self._fetching: dict[str, threading.Lock] = {}

    def get(self, key: str, fetch: Callable[[], tuple[T, float]]) -> T:
        """The answer for `key`, fetched only when none is kept or it is stale."""
        with self._lock:
            fetching = self._fetching.setdefault(key, threading.Lock())
        with fetching:
            kept = self._kept.get(key)
            if kept and kept[0] > self.clock():
                return kept[1]
            answer, ttl = fetch()
            self._kept[key] = (self.clock() + ttl, answer)
            return answer
