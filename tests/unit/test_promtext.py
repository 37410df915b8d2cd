"""Window figures from two Prometheus text expositions: rates, error share, PromQL quantiles."""

from __future__ import annotations

import math

import pytest

from actions.telemetry.promtext import histogram_quantile, parse, window_stats

INF = math.inf


def exposition(series: dict[tuple[str, str], dict[str, float]]) -> str:
    """A hand-written exposition: (route, status) → `le` → cumulative count, plus the counter."""
    lines = ["# TYPE http_request_duration_seconds histogram"]
    for (route, status), buckets in series.items():
        labels = f'method="GET",route="{route}",status="{status}"'
        for le, count in buckets.items():
            lines.append(f'http_request_duration_seconds_bucket{{{labels},le="{le}"}} {count}')
        lines.append(f"http_request_duration_seconds_count{{{labels}}} {buckets['+Inf']}")
        lines.append(f"http_request_duration_seconds_sum{{{labels}}} 1.0")
    lines.append("# TYPE http_requests_total counter")
    for (route, status), buckets in series.items():
        labels = f'method="GET",route="{route}",status="{status}"'
        lines.append(f"http_requests_total{{{labels}}} {buckets['+Inf']}")
    return "\n".join(lines) + "\n"


def buckets(c1: float, c2: float, c3: float, inf: float) -> dict[str, float]:
    return {"0.1": c1, "0.2": c2, "0.5": c3, "+Inf": inf}


@pytest.mark.parametrize(
    ("q", "cumulative", "expected"),
    [
        # 100 observations: 50 ≤ 0.1 s, 80 ≤ 0.2 s, 100 ≤ 0.5 s.
        (0.5, {0.1: 50, 0.2: 80, 0.5: 100, INF: 100}, 0.1),
        (0.65, {0.1: 50, 0.2: 80, 0.5: 100, INF: 100}, 0.15),
        (0.9, {0.1: 50, 0.2: 80, 0.5: 100, INF: 100}, 0.35),
        (0.25, {0.1: 50, 0.2: 80, 0.5: 100, INF: 100}, 0.05),
        # The rank falls in the +Inf bucket: the highest finite bound.
        (0.99, {0.1: 50, 0.2: 80, 0.5: 90, INF: 100}, 0.5),
        # Non-monotonic buckets are repaired as in Prometheus.
        (0.5, {0.1: 50, 0.2: 40, 0.5: 100, INF: 100}, 0.1),
        (1.5, {0.1: 1, INF: 1}, INF),
        (-0.5, {0.1: 1, INF: 1}, -INF),
    ],
)
def test_quantile_interpolates_inside_buckets_like_promql(
    q: float, cumulative: dict[float, float], expected: float
) -> None:
    assert histogram_quantile(q, cumulative) == pytest.approx(expected)


@pytest.mark.parametrize(
    "cumulative",
    [{0.1: 0, INF: 0}, {0.1: 5, 0.2: 5}, {INF: 5}],
    ids=["no observations", "no +Inf bucket", "only +Inf"],
)
def test_quantile_without_a_usable_histogram_is_nan(cumulative: dict[float, float]) -> None:
    assert math.isnan(histogram_quantile(0.5, cumulative))


def test_parse_keeps_buckets_by_series_and_counters() -> None:
    snapshot = parse(exposition({("/a", "200"): buckets(1, 2, 3, 4)}))
    series = snapshot.histograms["http_request_duration_seconds"]
    key = (("method", "GET"), ("route", "/a"), ("status", "200"))
    assert series[key] == {0.1: 1, 0.2: 2, 0.5: 3, INF: 4}
    assert snapshot.counters["http_requests_total"] == {key: 4}


def test_window_counts_only_what_happened_between_the_snapshots() -> None:
    before = parse(exposition({("/a", "200"): buckets(100, 100, 100, 100)}))
    after = parse(
        exposition(
            {("/a", "200"): buckets(150, 180, 190, 190), ("/b", "500"): buckets(0, 0, 10, 10)}
        )
    )
    stats = window_stats(before, after, seconds=10.0)
    # In the window: /a 90 requests (50 ≤ 0.1, 80 ≤ 0.2, 90 ≤ 0.5), /b 10 errors in (0.2, 0.5].
    assert stats.requests == 100
    assert stats.rps == pytest.approx(10.0)
    assert stats.error_rate_pct == pytest.approx(10.0)
    assert stats.p50_ms == pytest.approx(100.0)
    assert stats.p95_ms == pytest.approx(200 + 300 * 15 / 20)
    assert stats.per_route["/a"].error_rate_pct == 0.0
    assert stats.per_route["/a"].p95_ms == pytest.approx(200 + 300 * 5.5 / 10)
    assert stats.per_route["/b"].rps == pytest.approx(1.0)
    assert stats.per_route["/b"].error_rate_pct == 100.0


def test_a_restarted_process_counts_its_new_values_as_the_increase() -> None:
    before = parse(exposition({("/a", "200"): buckets(500, 500, 500, 500)}))
    after = parse(exposition({("/a", "200"): buckets(2, 4, 4, 4)}))
    stats = window_stats(before, after, seconds=2.0)
    assert stats.requests == 4
    assert stats.rps == pytest.approx(2.0)
    assert stats.p50_ms == pytest.approx(100.0)


def test_a_quiet_window_has_no_error_rate_nor_quantiles() -> None:
    text = exposition({("/a", "200"): buckets(1, 1, 1, 1)})
    stats = window_stats(parse(text), parse(text), seconds=5.0)
    assert (stats.rps, stats.error_rate_pct, stats.p95_ms) == (0.0, None, None)
    assert stats.per_route == {}


def test_without_the_counter_requests_come_from_the_inf_bucket() -> None:
    text = exposition({("/a", "500"): buckets(1, 2, 3, 4)})
    histogram_only = text.split("# TYPE http_requests_total")[0]
    stats = window_stats(parse(""), parse(histogram_only), seconds=1.0)
    assert (stats.requests, stats.error_rate_pct) == (4, 100.0)
