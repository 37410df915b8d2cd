"""Log lines in, a failure summary out: templates, error clusters, timeline, counts, correlations
with the run's events and ranked suspects. Pure: data in, data out; one pass over the lines.

Memory stays bounded by the number of templates, not of lines: each line adds to its cluster's
figures (count, times, levels, services, exceptions, the first line as example) and leaves only
its cluster id (4 bytes) for the per-line assignments. Templates can still generalise and merge
after a line was added, so the figures are folded into the final templates at the end, and each
line's assignment is its cluster's final template.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from actions.insight.mining.drain import TemplateMiner
from actions.insight.mining.events import WINDOW, EventWindows, run_events
from actions.insight.mining.model import Mined, TemplateStats, TimelineEntry
from actions.insight.mining.parse import LogRecord, parse_line
from actions.insight.mining.suspects import SuspectBoard

UNKNOWN = "unknown"
EXAMPLE_CHARS = 500


@dataclass
class _Figures:
    """What the lines of one cluster said, as they came."""

    first_line: int
    example: str
    first_level: str | None
    first_service: str | None
    count: int = 0
    failing: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    levels: Counter[str] = field(default_factory=Counter)
    services: Counter[str] = field(default_factory=Counter)
    exceptions: Counter[str] = field(default_factory=Counter)

    def add(self, record: LogRecord, failing: bool) -> None:
        self.count += 1
        self.failing += failing
        at = record.timestamp
        if at is not None:
            if self.first_at is None or at < self.first_at:
                self.first_at = at
                self.first_level, self.first_service = record.level, record.service
            if self.last_at is None or at > self.last_at:
                self.last_at = at
        if record.level:
            self.levels[record.level] += 1
        if record.service:
            self.services[record.service] += 1
        if record.exception:
            self.exceptions[record.exception] += 1

    def absorb(self, other: _Figures) -> None:
        """Take in the figures of a cluster that merged into this one."""
        if _earlier(other, self):
            self.first_line, self.example = other.first_line, other.example
            self.first_level, self.first_service = other.first_level, other.first_service
        if other.first_at is not None and (self.first_at is None or other.first_at < self.first_at):
            self.first_at = other.first_at
        if other.last_at is not None and (self.last_at is None or other.last_at > self.last_at):
            self.last_at = other.last_at
        self.count += other.count
        self.failing += other.failing
        self.levels.update(other.levels)
        self.services.update(other.services)
        self.exceptions.update(other.exceptions)


def mine_lines(
    lines: Iterable[str],
    *,
    events: Sequence[Mapping[str, Any]] = (),
    service: str | None = None,
    window: timedelta = WINDOW,
) -> Mined:
    """Mine raw log lines (JSON, logfmt or plain text); `service` names lines that name none."""
    records = (parse_line(line, service=service) for line in lines)
    return mine_records(records, events=events, window=window)


def mine_records(
    records: Iterable[LogRecord],
    *,
    events: Sequence[Mapping[str, Any]] = (),
    window: timedelta = WINDOW,
) -> Mined:
    """Mine parsed records; `events` are the run's `{"at", "kind", "message"}` dicts."""
    miner = TemplateMiner()
    run = run_events(events)
    windows = EventWindows(run, window)
    board = SuspectBoard()
    figures: dict[int, _Figures] = {}
    assignments = array("i")
    by_service: Counter[str] = Counter()
    by_level: Counter[str] = Counter()
    for number, record in enumerate(records):
        text = record.text
        cid = miner.add(text)
        assignments.append(cid)
        fig = figures.get(cid)
        if fig is None:
            example = text[:EXAMPLE_CHARS]
            fig = figures[cid] = _Figures(number, example, record.level, record.service)
        failing = record.failing
        fig.add(record, failing)
        by_service[record.service or UNKNOWN] += 1
        by_level[record.level or UNKNOWN] += 1
        after = windows.add(record.timestamp, failing, cid)
        if failing:
            board.add(record, cid, after)

    finals = {cid: miner.final(cid) for cid in figures}
    merged = _fold(figures, finals)
    templates = [_stats(tid, miner.template(tid), fig) for tid, fig in merged.items()]
    templates.sort(key=lambda t: (-t.count, t.id))
    failing_ids = {t.id for t in templates if t.failing}
    return Mined(
        lines=len(assignments),
        templates=templates,
        assignments=array("i", (finals[cid] for cid in assignments)),
        suspects=board.ranked(
            finals.__getitem__, events_known=bool(run), window_s=window.total_seconds()
        ),
        timeline=_timeline(merged, miner),
        by_service=dict(by_service.most_common()),
        by_level=dict(by_level.most_common()),
        correlations=windows.correlations(
            {tid: fig.first_at for tid, fig in merged.items()}, failing_ids, finals.__getitem__
        ),
    )


def _fold(figures: Mapping[int, _Figures], finals: Mapping[int, int]) -> dict[int, _Figures]:
    """The figures of each final template: its clusters' figures folded into the earliest's."""
    merged: dict[int, _Figures] = {}
    for cid in sorted(figures, key=lambda c: figures[c].first_line):
        target = merged.get(finals[cid])
        if target is None:
            merged[finals[cid]] = figures[cid]
        else:
            target.absorb(figures[cid])
    return merged


def _stats(tid: int, template: str, fig: _Figures) -> TemplateStats:
    return TemplateStats(
        id=tid,
        template=template,
        count=fig.count,
        first_at=fig.first_at,
        last_at=fig.last_at,
        levels=dict(fig.levels.most_common()),
        services=dict(fig.services.most_common()),
        example=fig.example,
        exceptions=dict(fig.exceptions.most_common()),
        failing_lines=fig.failing,
    )


def _timeline(merged: Mapping[int, _Figures], miner: TemplateMiner) -> list[TimelineEntry]:
    """First occurrences in time order (by line order where there is no time; those last)."""
    order = sorted(merged, key=lambda tid: _when(merged[tid]))
    return [
        TimelineEntry(
            at=merged[tid].first_at,
            template_id=tid,
            template=miner.template(tid),
            level=merged[tid].first_level,
            service=merged[tid].first_service,
        )
        for tid in order
    ]


def _when(fig: _Figures) -> tuple[bool, float, int]:
    at = fig.first_at
    return (at is None, at.timestamp() if at is not None else 0.0, fig.first_line)


def _earlier(a: _Figures, b: _Figures) -> bool:
    return _when(a) < _when(b)
