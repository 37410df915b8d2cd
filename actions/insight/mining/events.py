"""The run's events (deploy, load ramp, chaos start…) against the log: what followed each. Pure.

Lines are counted as they stream past, per event, in the window before it and the window after
it (30 s by default): lines, error lines, and which templates the errors fell in. At the end an
event is correlated with the templates first seen within its window (and after no later event),
and with an error burst: at least `MIN_BURST` error lines after it, at an error rate over twice
(plus 5 points) the rate of the window before it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from actions.insight.mining.model import Correlation
from actions.insight.mining.parse import parse_time

WINDOW = timedelta(seconds=30)
MIN_BURST = 3


@dataclass(frozen=True)
class RunEvent:
    """Something the run did at a moment."""

    at: datetime
    kind: str
    message: str = ""

    @property
    def label(self) -> str:
        return f"{self.kind}: {self.message}" if self.message else self.kind


def run_events(raw: Sequence[Mapping[str, Any]]) -> list[RunEvent]:
    """`{"at": iso, "kind", "message"}` dicts as events in time order; one without a time is left
    out (it cannot be placed against the log)."""
    events = []
    for item in raw:
        at = parse_time(item.get("at"))
        if at is not None:
            kind = str(item.get("kind") or "event")
            events.append(RunEvent(at, kind, str(item.get("message") or "")))
    return sorted(events, key=lambda e: e.at)


@dataclass
class _Window:
    lines: int = 0
    errors: int = 0
    error_templates: Counter[int] = field(default_factory=Counter)


class EventWindows:
    """Counts of the lines around each event, fed one line at a time."""

    def __init__(self, events: Sequence[RunEvent], window: timedelta = WINDOW) -> None:
        self.events = list(events)
        self.window = window
        self._times = [e.at.timestamp() for e in self.events]
        self._span = window.total_seconds()
        self._after = [_Window() for _ in self.events]
        self._before = [_Window() for _ in self.events]

    def add(self, at: datetime | None, failing: bool, cid: int) -> str | None:
        """Count one line; the label of the latest event it follows within the window, if any."""
        if at is None or not self._times:
            return None
        t = at.timestamp()
        first, last = bisect_left(self._times, t - self._span), bisect_right(self._times, t)
        for i in range(first, last):
            _count(self._after[i], failing, cid)
        for i in range(last, bisect_right(self._times, t + self._span)):
            if self._times[i] > t:
                _count(self._before[i], failing, cid)
        return self.events[last - 1].label if last > first else None

    def correlations(
        self,
        first_seen: Mapping[int, datetime | None],
        failing: set[int],
        final: Callable[[int], int],
    ) -> list[Correlation]:
        """Per event with something to say: templates first seen within the window after it (and
        after no later event: the nearest one is the likelier cause), an error burst."""
        new: list[list[tuple[datetime, int]]] = [[] for _ in self.events]
        for tid, at in first_seen.items():
            if at is None:
                continue
            latest = bisect_right(self._times, at.timestamp()) - 1
            if latest >= 0 and at - self.events[latest].at <= self.window:
                new[latest].append((at, tid))
        found = []
        for i, event in enumerate(self.events):
            after, before = self._after[i], self._before[i]
            ids = [tid for _, tid in sorted(new[i])]
            notes = []
            if ids:
                errors = sum(1 for tid in ids if tid in failing)
                notes.append(
                    f"{len(ids)} new template{'s' if len(ids) != 1 else ''} within "
                    f"{self._span:g} s after it ({errors} failing)"
                )
            if _burst(after, before):
                notes.append(
                    f"error burst: {_rate(after)} in the {self._span:g} s after, "
                    f"{_rate(before)} in the {self._span:g} s before"
                )
                finals: Counter[int] = Counter()
                for cid, n in after.error_templates.items():
                    finals[final(cid)] += n
                ids += [tid for tid, _ in finals.most_common() if tid not in ids]
            if notes:
                found.append(Correlation(event.label, event.at, ids, "; ".join(notes)))
        return found


def _count(window: _Window, failing: bool, cid: int) -> None:
    window.lines += 1
    if failing:
        window.errors += 1
        window.error_templates[cid] += 1


def _burst(after: _Window, before: _Window) -> bool:
    if after.errors < MIN_BURST:
        return False
    before_rate = before.errors / before.lines if before.lines else 0.0
    return after.errors / after.lines > 2 * before_rate + 0.05


def _rate(window: _Window) -> str:
    if not window.lines:
        return "no lines"
    return f"{window.errors / window.lines:.0%} errors ({window.errors} of {window.lines} lines)"
