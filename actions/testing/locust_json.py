"""Read the final statistics Locust writes with `--json-file PREFIX` (to `PREFIX.json`).

Locust writes this file after its runner has quit, so its counts are exact, unlike the CSVs,
which miss the last second of the run. It holds one entry per endpoint with a histogram of
rounded response times, but no aggregate and no percentiles: both are computed here, the
percentiles with Locust's own method, so they equal what its CSV would show. Pure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from actions.testing.locust_stats import (
    AGGREGATED,
    PERCENTILE_COLUMNS,
    PERCENTILES,
    EndpointStats,
    LocustStats,
    LocustStatsError,
)


@dataclass(frozen=True)
class _Entry:
    """One serialised Locust `StatsEntry`."""

    method: str
    name: str
    requests: int
    untimed: int
    failures: int
    total_ms: float
    min_ms: float | None
    max_ms: float
    content: float
    histogram: dict[float, int]
    start: float | None
    last: float | None

    @classmethod
    def read(cls, raw: dict[str, Any]) -> _Entry:
        return cls(
            method=str(raw.get("method") or ""),
            name=str(raw["name"]),
            requests=_count(raw.get("num_requests")),
            untimed=_count(raw.get("num_none_requests")),
            failures=_count(raw.get("num_failures")),
            total_ms=float(raw.get("total_response_time") or 0),
            min_ms=None
            if raw.get("min_response_time") is None
            else float(raw["min_response_time"]),
            max_ms=float(raw.get("max_response_time") or 0),
            content=float(raw.get("total_content_length") or 0),
            histogram={float(t): _count(n) for t, n in (raw.get("response_times") or {}).items()},
            start=_seconds(raw.get("start_time")),
            last=_seconds(raw.get("last_request_timestamp")),
        )


def parse_stats_json(text: str) -> LocustStats:
    """The endpoints' statistics and their aggregate, from `PREFIX.json`."""
    try:
        raw = json.loads(text)
        entries = [_Entry.read(item) for item in raw]
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        raise LocustStatsError(f"the Locust JSON stats are not readable: {exc!r}") from exc
    starts = [e.start for e in entries if e.start]
    lasts = [e.last for e in entries if e.last]
    # Locust divides every entry's count by the whole run's span, not the entry's own.
    span = max(lasts) - min(starts) if starts and lasts else 0.0
    endpoints = [_stats(entry, span) for entry in entries]
    return LocustStats(endpoints=endpoints, aggregate=_stats(_merge(entries), span))


def _merge(entries: list[_Entry]) -> _Entry:
    histogram: dict[float, int] = {}
    for entry in entries:
        for response_time, count in entry.histogram.items():
            histogram[response_time] = histogram.get(response_time, 0) + count
    minimums = [e.min_ms for e in entries if e.min_ms is not None]
    return _Entry(
        method="",
        name=AGGREGATED,
        requests=sum(e.requests for e in entries),
        untimed=sum(e.untimed for e in entries),
        failures=sum(e.failures for e in entries),
        total_ms=sum(e.total_ms for e in entries),
        min_ms=min(minimums) if minimums else None,
        max_ms=max((e.max_ms for e in entries), default=0.0),
        content=sum(e.content for e in entries),
        histogram=histogram,
        start=None,
        last=None,
    )


def _stats(entry: _Entry, span: float) -> EndpointStats:
    timed = entry.requests - entry.untimed
    min_ms = entry.min_ms or 0.0
    median = _percentile(entry.histogram, timed, 0.5) if entry.histogram else 0.0
    return EndpointStats(
        type=entry.method,
        name=entry.name,
        requests=entry.requests,
        failures=entry.failures,
        # As in Locust: the rounded median is kept within the exact minimum and maximum.
        median_ms=min(max(median, min_ms), entry.max_ms) if entry.histogram else 0.0,
        avg_ms=entry.total_ms / timed if timed > 0 else 0.0,
        min_ms=min_ms,
        max_ms=entry.max_ms,
        avg_content_size=entry.content / entry.requests if entry.requests else 0.0,
        rps=entry.requests / span if span > 0 else 0.0,
        failures_per_s=entry.failures / span if span > 0 else 0.0,
        percentiles={
            column: _percentile(entry.histogram, timed, p) if entry.requests else None
            for column, p in zip(PERCENTILE_COLUMNS, PERCENTILES, strict=True)
        },
    )


def _percentile(histogram: dict[float, int], count: int, percent: float) -> float:
    """Locust's `calculate_response_time_percentile`, on a histogram of rounded times."""
    below = int(count * percent)
    seen = 0
    for response_time in sorted(histogram, reverse=True):
        seen += histogram[response_time]
        if count - seen <= below:
            return response_time
    return 0.0


MAX_COUNT = 2**53  # more requests than any run makes, and still exact as a float


def _count(value: Any) -> int:
    """A request count: a whole number from 0 to MAX_COUNT (ValueError otherwise)."""
    count = int(value or 0)
    if not 0 <= count <= MAX_COUNT:
        raise ValueError(f"a count of {count:.3g} requests")
    return count


def _seconds(value: Any) -> float | None:
    return None if value is None else float(value)
