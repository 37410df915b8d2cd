"""Request rate, error rate and latency quantiles from two scrapes of a Prometheus text exposition.

Pure: a scrape's text becomes a `Snapshot`; two snapshots make a window whose figures follow
PromQL: increases like `increase()` (a value going down is a restart, the new value is the
increase) and quantiles like `histogram_quantile()` over the summed buckets.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families
from pydantic import BaseModel

DURATION = "http_request_duration_seconds"
REQUESTS = "http_requests_total"

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Snapshot:
    """Histogram buckets (series labels → `le` → count) and counters (name → labels → value)."""

    histograms: dict[str, dict[Labels, dict[float, float]]] = field(default_factory=dict)
    counters: dict[str, dict[Labels, float]] = field(default_factory=dict)


class RouteStats(BaseModel):
    requests: float
    rps: float
    error_rate_pct: float | None  # None: no requests in the window
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


class WindowStats(RouteStats):
    seconds: float
    per_route: dict[str, RouteStats]


def parse(text: str) -> Snapshot:
    """The histograms and counters of one Prometheus text exposition."""
    snapshot = Snapshot()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = dict(sample.labels)
            if family.type == "histogram" and sample.name == family.name + "_bucket":
                le = float(labels.pop("le"))
                series = snapshot.histograms.setdefault(family.name, {})
                series.setdefault(_key(labels), {})[le] = sample.value
            elif family.type == "counter" and sample.name.endswith("_total"):
                snapshot.counters.setdefault(sample.name, {})[_key(labels)] = sample.value
    return snapshot


def histogram_quantile(q: float, buckets: Mapping[float, float]) -> float:
    """The q-quantile of cumulative buckets (`le` → count), as PromQL's `histogram_quantile`."""
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    bounds = sorted(buckets.items())
    if len(bounds) < 2 or not math.isinf(bounds[-1][0]):
        return math.nan
    counts: list[float] = []
    for _, count in bounds:  # like Prometheus, repair buckets that are not monotonic
        counts.append(max(count, counts[-1]) if counts else count)
    observations = counts[-1]
    if observations == 0:
        return math.nan
    rank = q * observations
    b = next(i for i, count in enumerate(counts) if count >= rank or i == len(counts) - 1)
    if b == len(counts) - 1:
        return bounds[-2][0]  # in the +Inf bucket: the highest finite bound
    if b == 0 and bounds[0][0] <= 0:
        return bounds[0][0]
    start, end, count = 0.0, bounds[b][0], counts[b]
    if b > 0:
        start, count, rank = bounds[b - 1][0], count - counts[b - 1], rank - counts[b - 1]
    return start + (end - start) * (rank / count)


def window_stats(before: Snapshot, after: Snapshot, seconds: float) -> WindowStats:
    """The figures between two snapshots taken `seconds` apart, overall and per route."""
    buckets = _increase(before.histograms.get(DURATION, {}), after.histograms.get(DURATION, {}))
    if REQUESTS in after.counters:
        requests = _increase(
            {k: {0.0: v} for k, v in before.counters.get(REQUESTS, {}).items()},
            {k: {0.0: v} for k, v in after.counters[REQUESTS].items()},
        )
        counts = {labels: values[0.0] for labels, values in requests.items()}
    else:  # no counter: the +Inf bucket counts the requests too
        counts = {labels: values.get(math.inf, 0.0) for labels, values in buckets.items()}
    # Only routes that answered in the window: earlier traffic is not news.
    routes = sorted({dict(labels).get("route", "") for labels, n in counts.items() if n > 0})
    per_route = {
        route: _stats(
            [v for k, v in buckets.items() if dict(k).get("route", "") == route],
            {k: v for k, v in counts.items() if dict(k).get("route", "") == route},
            seconds,
        )
        for route in routes
    }
    overall = _stats(list(buckets.values()), counts, seconds)
    return WindowStats(**overall.model_dump(), seconds=seconds, per_route=per_route)


def _stats(
    buckets: Iterable[Mapping[float, float]], counts: Mapping[Labels, float], seconds: float
) -> RouteStats:
    summed: dict[float, float] = defaultdict(float)
    for series in buckets:
        for le, count in series.items():
            summed[le] += count
    total = sum(counts.values())
    errors = sum(v for k, v in counts.items() if dict(k).get("status", "").startswith("5"))
    return RouteStats(
        requests=total,
        rps=total / seconds if seconds > 0 else 0.0,
        error_rate_pct=100.0 * errors / total if total > 0 else None,
        p50_ms=_ms(histogram_quantile(0.50, summed)),
        p95_ms=_ms(histogram_quantile(0.95, summed)),
        p99_ms=_ms(histogram_quantile(0.99, summed)),
    )


def _increase(
    before: Mapping[Labels, Mapping[float, float]], after: Mapping[Labels, Mapping[float, float]]
) -> dict[Labels, dict[float, float]]:
    """Per series, the increase of each value; a series that went down restarted from zero."""
    increases: dict[Labels, dict[float, float]] = {}
    for labels, values in after.items():
        # A series missing before was created by a request inside the window: it started at zero.
        old = before.get(labels, {})
        reset = any(value < old.get(key, 0.0) for key, value in values.items())
        increases[labels] = {k: v if reset else v - old.get(k, 0.0) for k, v in values.items()}
    return increases


def _ms(seconds: float) -> float | None:
    return None if math.isnan(seconds) else seconds * 1000.0


def _key(labels: Mapping[str, str]) -> Labels:
    return tuple(sorted(labels.items()))
