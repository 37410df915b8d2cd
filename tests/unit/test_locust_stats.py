"""Reading Locust's statistics files, on a real run's output in tests/fixtures/testing/locust."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from actions.testing.locust_json import parse_stats_json
from actions.testing.locust_stats import (
    PERCENTILE_COLUMNS,
    HistoryRow,
    LocustStatsError,
    live_stats,
    parse_exceptions_csv,
    parse_failures_csv,
    parse_history_csv,
    parse_stats_csv,
)

CAPTURED = Path(__file__).resolve().parents[1] / "fixtures" / "testing" / "locust"


def captured(name: str) -> str:
    return (CAPTURED / name).read_text()


def test_stats_csv_gives_each_endpoint_and_the_aggregate() -> None:
    stats = parse_stats_csv(captured("run_stats.csv"))

    assert [(e.endpoint, e.requests, e.failures) for e in stats.endpoints] == [
        ("POST /checkout", 27, 9),
        ("GET /fast", 51, 0),
    ]
    assert (stats.aggregate.endpoint, stats.aggregate.requests) == ("Aggregated", 78)
    assert stats.aggregate.type == ""


def test_stats_csv_row_carries_times_rates_and_percentiles() -> None:
    fast = parse_stats_csv(captured("run_stats.csv")).endpoints[1]

    assert fast.avg_ms == pytest.approx(4.2483, abs=1e-3)
    assert fast.max_ms == pytest.approx(35.2112, abs=1e-3)
    assert fast.rps == pytest.approx(12.3569, abs=1e-3)
    assert list(fast.percentiles) == list(PERCENTILE_COLUMNS)
    assert (fast.percentile("50%"), fast.percentile("95%"), fast.percentile("99%")) == (4, 5, 35)


def test_error_rate_is_failures_over_requests() -> None:
    checkout = parse_stats_csv(captured("run_stats.csv")).endpoints[0]

    assert checkout.error_rate_pct == pytest.approx(100 * 9 / 27)


def test_history_rows_are_read_with_not_available_percentiles_as_none() -> None:
    history = parse_history_csv(captured("run_stats_history.csv"))

    assert len(history) == 7
    assert history[0].percentiles["95%"] is None
    assert (history[0].users, history[0].total_requests) == (0, 0)
    assert (history[-1].name, history[-1].total_requests, history[-1].total_failures) == (
        "Aggregated",
        78,
        9,
    )


def test_history_row_still_being_written_is_skipped() -> None:
    text = captured("run_stats_history.csv")
    torn = text + "1795624363,2,,Aggregated,14.0"

    assert parse_history_csv(torn) == parse_history_csv(text)


def test_live_stats_measure_the_rate_from_the_growth_of_the_request_count() -> None:
    history = parse_history_csv(captured("run_stats_history.csv"))[:5]  # up to 74 requests

    live = live_stats(history, window_s=2)

    assert live is not None
    assert live.rps == pytest.approx((74 - 36) / 2)
    assert (live.requests, live.failures, live.users) == (74, 8, 2)
    assert (live.p50_ms, live.p95_ms, live.p99_ms) == (4, 5, 35)
    assert live.error_rate_pct == pytest.approx(100 * 8 / 74)


def test_live_stats_over_a_short_history_use_its_first_row() -> None:
    history = parse_history_csv(captured("run_stats_history.csv"))[:3]

    live = live_stats(history, window_s=5)

    assert live is not None
    assert live.rps == pytest.approx(36 / 2)


def test_live_stats_need_an_aggregated_row() -> None:
    row = HistoryRow(1, 1, "GET", "/fast", 1.0, 0.0, {}, 5, 0)

    assert live_stats([]) is None
    assert live_stats([row]) is None


def test_failures_csv_names_method_endpoint_error_and_occurrences() -> None:
    [failure] = parse_failures_csv(captured("run_failures.csv"))

    assert (failure.method, failure.name, failure.occurrences) == ("POST", "/checkout", 9)
    assert failure.error.startswith("HTTPError('500 Server Error")


def test_exceptions_csv_gives_one_row_per_distinct_traceback() -> None:
    rows = parse_exceptions_csv(captured("run_exceptions.csv"))

    assert [(row.count, row.message) for row in rows] == [(1, "basket is empty")] * 2
    assert "in browse" in rows[0].traceback
    assert "in checkout" in rows[1].traceback
    assert rows[0].traceback.rstrip().endswith('raise ValueError("basket is empty")')


def test_json_stats_agree_with_the_csv_written_after_the_same_run() -> None:
    from_csv = parse_stats_csv(captured("run_stats.csv"))
    from_json = parse_stats_json(captured("run.json"))

    for csv_row, json_row in zip(
        [*from_csv.endpoints, from_csv.aggregate],
        [*sorted(from_json.endpoints, key=lambda e: e.name), from_json.aggregate],
        strict=True,
    ):
        assert json_row.endpoint == csv_row.endpoint
        assert (json_row.requests, json_row.failures) == (csv_row.requests, csv_row.failures)
        assert json_row.percentiles == csv_row.percentiles
        assert json_row.median_ms == csv_row.median_ms
        assert json_row.avg_ms == pytest.approx(csv_row.avg_ms)
        assert (json_row.min_ms, json_row.max_ms) == pytest.approx((csv_row.min_ms, csv_row.max_ms))


def test_json_rates_use_the_span_of_the_whole_run_like_locust() -> None:
    stats = parse_stats_json(captured("run.json"))

    assert stats.aggregate.rps == pytest.approx(78 / _span(captured("run.json")))
    assert sum(e.rps for e in stats.endpoints) == pytest.approx(stats.aggregate.rps)


def test_json_without_requests_has_no_percentiles() -> None:
    stats = parse_stats_json("[]")

    assert stats.aggregate.requests == 0
    assert stats.aggregate.percentile("95%") is None
    assert stats.aggregate.rps == 0.0


@pytest.mark.parametrize(
    "parse", [parse_stats_csv, parse_history_csv, parse_failures_csv, parse_exceptions_csv]
)
def test_a_file_of_another_kind_is_rejected(parse: object) -> None:
    with pytest.raises(LocustStatsError, match="not the expected Locust CSV"):
        parse("Count,Message\n1,x\n")  # type: ignore[operator]


def test_stats_csv_without_an_aggregated_row_is_rejected() -> None:
    header = captured("run_stats.csv").splitlines()[0]

    with pytest.raises(LocustStatsError, match="no Aggregated row"):
        parse_stats_csv(header + "\n")


@given(st.text())
def test_arbitrary_text_never_raises_anything_but_locust_stats_error(text: str) -> None:
    for parse in (parse_stats_csv, parse_history_csv, parse_failures_csv, parse_stats_json):
        with contextlib.suppress(LocustStatsError):
            parse(text)


@example([{"name": None, "num_requests": 8.98e307}, {"name": None, "num_requests": 8.98e307}])
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["name", "method", "num_requests", "response_times", "start_time"]),
            st.none() | st.integers() | st.floats() | st.text(max_size=3),
        ),
        max_size=3,
    )
)
def test_odd_json_entries_never_raise_anything_but_locust_stats_error(
    entries: list[object],
) -> None:
    with contextlib.suppress(LocustStatsError):
        parse_stats_json(json.dumps(entries))


def _span(text: str) -> float:
    entries = json.loads(text)
    last = max(e["last_request_timestamp"] for e in entries)
    return float(last - min(e["start_time"] for e in entries))
