"""Traffic profiles derived from production access logs, with every identifier taken out. Pure.

Each request's path becomes a template: numeric ids, UUIDs, hex hashes, emails, tokens and
other keys (a run of four or more digits) become placeholders whose generators draw similar
values (`{int:1000:78000}` from the observed range, rounded outward so no real id is a bound).
Query strings are dropped, or kept with their values replaced (keys that look sensitive are
dropped). The mix of endpoints gives the weights; the busiest hour (or the mean) gives the
arrival rate the profile's users reproduce. Lines that are not requests are counted and skipped;
the statistics name them by number only, never by content.
"""

from __future__ import annotations

import gzip
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl

from actions.durations import parse_duration
from actions.errors import PreprodError, UsageError
from actions.testing.access_log import AccessRecord, LineError, parse_line
from actions.testing.identifiers import PARAM_NAME, SENSITIVE, Values, classify, normalise_path
from actions.testing.profile import Endpoint, Stage, ThinkTime, TrafficProfile, dump_profile

MALFORMED_EXAMPLES = 10


class TrafficLogError(PreprodError):
    """The access log cannot be read or holds no request."""


@dataclass(frozen=True)
class DeriveOptions:
    """How a profile is derived from a log.

    `users` share the target rate: the busiest hour's (`rate="peak"`) or the log's mean, times
    `scale`. `query="replace"` keeps query parameters with their values replaced. Endpoints past
    the `max_endpoints` busiest are left out. With `day_in` (e.g. `4m`) the profile replays the
    day's hourly rates as 24 stages in that time; else it runs `duration` at the target rate.
    """

    users: int = 10
    duration: str = "60s"
    rate: Literal["peak", "mean"] = "peak"
    scale: float = 1.0
    query: Literal["drop", "replace"] = "drop"
    max_endpoints: int = 30
    day_in: str | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.users < 1:
            problems.append("users must be at least 1")
        if not self.scale > 0:
            problems.append("scale must be above 0")
        if self.max_endpoints < 1:
            problems.append("max_endpoints must be at least 1")
        if self.rate not in ("peak", "mean"):
            problems.append("rate is peak or mean")
        if self.query not in ("drop", "replace"):
            problems.append("query is drop or replace")
        for name in ("duration", "day_in"):
            value = getattr(self, name)
            try:
                if value is not None and parse_duration(value) <= 0:
                    problems.append(f"{name} must be above 0")
            except ValueError as exc:
                problems.append(f"{name}: {exc}")
        if problems:
            raise UsageError("; ".join(problems))


@dataclass
class _Endpoint:
    method: str
    template: str
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    sizes: list[int] = field(default_factory=list)
    times_ms: list[float] = field(default_factory=list)
    placeholders: dict[str, Values] = field(default_factory=dict)
    params: dict[str, Values] = field(default_factory=dict)


@dataclass(frozen=True)
class EndpointTraffic:
    """One endpoint's share of the traffic and what it answered."""

    method: str
    template: str
    requests: int
    share_pct: float
    statuses: dict[int, int]
    bytes_p50: float | None
    bytes_p95: float | None
    bytes_p99: float | None
    bytes_max: int | None
    request_time_p50_ms: float | None
    request_time_p95_ms: float | None


@dataclass(frozen=True)
class TrafficStats:
    """What the log held, and what the derived profile was built from."""

    lines: int
    requests: int
    malformed: int
    malformed_reasons: dict[str, int]
    malformed_lines: list[int]  # the first few line numbers, for a person to look at
    first: datetime | None
    last: datetime | None
    rate_by_hour: dict[int, float]  # hour of day (the log's own time zone) → requests/s
    mean_rps: float | None
    peak_rps: float | None
    peak_hour: int | None
    target_rps: float | None
    endpoints: list[EndpointTraffic]
    dropped_endpoints: int
    dropped_requests: int


def derive(
    lines: Iterable[str], options: DeriveOptions | None = None, source: str = "access log"
) -> tuple[TrafficProfile, TrafficStats]:
    """A traffic profile reproducing the log's endpoint mix and arrival rate, and its figures.

    Raises `TrafficLogError` if no line is a request.
    """
    opts = options or DeriveOptions()
    endpoints: dict[tuple[str, str], _Endpoint] = {}
    reasons: Counter[str] = Counter()
    examples: list[int] = []
    clock = _Clock()
    count = 0
    for number, line in enumerate(lines, 1):
        count = number
        if not line.strip():
            continue
        try:
            record = parse_line(line)
        except LineError as exc:
            reasons[str(exc)] += 1
            if len(examples) < MALFORMED_EXAMPLES:
                examples.append(number)
            continue
        _add(endpoints, record, opts.query)
        clock.add(record.time)
    if not endpoints:
        raise TrafficLogError(f"{source}: no request found in {count} lines")
    ranked = sorted(endpoints.values(), key=lambda e: (-e.requests, e.method, e.template))
    kept, dropped = ranked[: opts.max_endpoints], ranked[opts.max_endpoints :]
    total = sum(e.requests for e in ranked)
    by_hour = clock.rate_by_hour()
    peak_hour = max(by_hour, key=lambda h: by_hour[h]) if by_hour else None
    mean = clock.mean_rps()
    chosen = by_hour[peak_hour] if opts.rate == "peak" and peak_hour is not None else mean
    target = chosen * opts.scale if chosen is not None else None
    stats = TrafficStats(
        lines=count,
        requests=total,
        malformed=sum(reasons.values()),
        malformed_reasons=dict(reasons),
        malformed_lines=examples,
        first=clock.first,
        last=clock.last,
        rate_by_hour=by_hour,
        mean_rps=mean,
        peak_rps=by_hour[peak_hour] if peak_hour is not None else None,
        peak_hour=peak_hour,
        target_rps=target,
        endpoints=[_traffic(e, total) for e in kept],
        dropped_endpoints=len(dropped),
        dropped_requests=sum(e.requests for e in dropped),
    )
    staged = opts.day_in is not None and bool(by_hour)
    users = opts.users
    profile = TrafficProfile(
        description=_description(source, stats),
        users=users,
        duration=None if staged else opts.duration,
        think_time=ThinkTime(throughput=target / users) if target else ThinkTime(constant=1.0),
        stages=_day_stages(by_hour, users, str(opts.day_in)) if staged else [],
        endpoints=[_profile_endpoint(e) for e in kept],
    )
    return profile, stats


def derive_profile(
    path: Path | str, options: DeriveOptions | None = None
) -> tuple[TrafficProfile, TrafficStats]:
    """Derive a profile from the access log at `path` (`.gz` is read as gzip); see `derive`.

    Raises `TrafficLogError` if the file cannot be read or holds no request.
    """
    log = Path(path)
    opener = gzip.open if log.suffix == ".gz" else open
    try:
        with opener(log, "rt", encoding="utf-8", errors="replace") as lines:
            return derive(lines, options, source=log.name)
    except (OSError, EOFError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise TrafficLogError(f"{log}: cannot read the access log ({reason})") from None


def profile_yaml(profile: TrafficProfile, stats: TrafficStats) -> str:
    """The profile as YAML the harness runs, headed by a comment with the log's figures."""
    notes = [profile.description or ""]
    if stats.rate_by_hour:
        hours = ", ".join(f"{h:02d}h {r:.2f}" for h, r in sorted(stats.rate_by_hour.items()))
        notes.append(f"requests/s by hour: {hours}")
    for e in stats.endpoints:
        size = "" if e.bytes_p50 is None else f", bytes p50 {e.bytes_p50:g} p95 {e.bytes_p95:g}"
        notes.append(f"{e.method} {e.template}: {e.share_pct:.1f}%{size}")
    header = "".join(f"# {line}\n" for line in notes if line)
    return header + dump_profile(profile)


def _add(endpoints: dict[tuple[str, str], _Endpoint], record: AccessRecord, query: str) -> None:
    path, _, query_string = record.target.partition("?")
    normalised = normalise_path(path)
    key = (record.method, normalised.template)
    endpoint = endpoints.get(key) or endpoints.setdefault(key, _Endpoint(*key))
    endpoint.requests += 1
    if record.status is not None:
        endpoint.statuses[record.status] += 1
    if record.bytes is not None:
        endpoint.sizes.append(record.bytes)
    if record.request_time_ms is not None:
        endpoint.times_ms.append(record.request_time_ms)
    for name, kind, value in normalised.values:
        endpoint.placeholders.setdefault(name, Values(kind)).add(value)
    if query == "replace" and query_string:
        for name, value in parse_qsl(query_string, keep_blank_values=True):
            if PARAM_NAME.match(name) and not SENSITIVE.search(name):
                endpoint.params.setdefault(name, Values(classify(value))).add(value)


class _Clock:
    """When the requests came: the span of the log, and how many fell in each hour of day."""

    def __init__(self) -> None:
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.counts: Counter[int] = Counter()
        self.offset_s = 0.0

    def add(self, time: datetime | None) -> None:
        if time is None:
            return
        if self.first is None:
            offset = time.utcoffset()
            self.offset_s = offset.total_seconds() if offset else 0.0
        self.first = time if self.first is None else min(self.first, time)
        self.last = time if self.last is None else max(self.last, time)
        self.counts[int((time.timestamp() + self.offset_s) // 3600) % 24] += 1

    def rate_by_hour(self) -> dict[int, float]:
        """Requests per second in each hour of day, over the seconds the log covers of it."""
        if self.first is None or self.last is None:
            return {}
        start, end = self.first.timestamp(), self.last.timestamp()
        observed: dict[int, float] = defaultdict(float)
        if end - start < 1.0:
            observed[int((start + self.offset_s) // 3600) % 24] = 1.0
        at = start
        while at < end and end - start >= 1.0:
            local_hour = (at + self.offset_s) // 3600
            until = min(end, (local_hour + 1) * 3600 - self.offset_s)
            observed[int(local_hour) % 24] += until - at
            at = until
        # An hour the log only grazes (a minute of it) would give a rate from a few requests.
        enough = min(60.0, max(observed.values()))
        return {h: round(self.counts[h] / s, 4) for h, s in sorted(observed.items()) if s >= enough}

    def mean_rps(self) -> float | None:
        if self.first is None or self.last is None:
            return None
        span = max(1.0, (self.last - self.first).total_seconds())
        return round(sum(self.counts.values()) / span, 4)


def _traffic(endpoint: _Endpoint, total: int) -> EndpointTraffic:
    sizes, times = sorted(endpoint.sizes), sorted(endpoint.times_ms)
    return EndpointTraffic(
        method=endpoint.method,
        template=endpoint.template,
        requests=endpoint.requests,
        share_pct=round(100.0 * endpoint.requests / total, 3),
        statuses=dict(sorted(endpoint.statuses.items())),
        bytes_p50=_percentile(sizes, 0.5),
        bytes_p95=_percentile(sizes, 0.95),
        bytes_p99=_percentile(sizes, 0.99),
        bytes_max=sizes[-1] if sizes else None,
        request_time_p50_ms=_percentile(times, 0.5),
        request_time_p95_ms=_percentile(times, 0.95),
    )


def _percentile(ordered: list[int] | list[float], q: float) -> float | None:
    """Nearest-rank percentile of sorted values."""
    if not ordered:
        return None
    return float(ordered[max(0, math.ceil(q * len(ordered)) - 1)])


def _profile_endpoint(endpoint: _Endpoint) -> Endpoint:
    answered = sum(endpoint.statuses.values())
    normal = sorted(
        s for s, n in endpoint.statuses.items() if s < 500 and n >= 0.01 * answered
    )  # production's usual answers; a 5xx is never expected
    return Endpoint.model_validate(
        {
            "method": endpoint.method,
            "path": endpoint.template,
            "weight": endpoint.requests,
            "vars": {name: v.generator() for name, v in endpoint.placeholders.items()},
            "params": {name: v.generator() for name, v in sorted(endpoint.params.items())},
            "expect": normal or None,
        }
    )


def _day_stages(by_hour: dict[int, float], users: int, day_in: str) -> list[Stage]:
    """The day's hourly rates as 24 stages: the busiest hour gets every user."""
    stage_s = parse_duration(day_in) / 24
    peak = max(by_hour.values()) or 1.0
    return [
        Stage(duration=f"{stage_s:g}s", users=round(users * by_hour.get(h, 0.0) / peak))
        for h in range(24)
    ]


def _description(source: str, stats: TrafficStats) -> str:
    text = f"derived from {stats.requests} requests in {source}"
    if stats.first and stats.last:
        text += f" ({stats.first.isoformat(timespec='seconds')} to "
        text += f"{stats.last.isoformat(timespec='seconds')})"
    if stats.target_rps is not None:
        text += f"; target {stats.target_rps:.3g} req/s"
    else:
        text += "; no times in the log, so no rate: 1 s think time"
    if stats.malformed:
        text += f"; {stats.malformed} malformed lines skipped"
    if stats.dropped_endpoints:
        rare = f"{stats.dropped_endpoints} rare endpoints ({stats.dropped_requests} requests)"
        text += f"; {rare} left out"
    return text
