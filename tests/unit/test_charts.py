"""Load charts: series from Locust's history, and a PNG with baseline and shaded windows."""

from __future__ import annotations

from pathlib import Path

from actions.telemetry.charts import Window, ramp_up, render_load_chart, series_from_history
from actions.testing.locust_stats import HistoryRow


def _row(t: int, users: int, requests: int, failures: int, p95: float | None) -> HistoryRow:
    return HistoryRow(
        timestamp=t,
        users=users,
        type="",
        name="Aggregated",
        rps=0.0,
        failures_per_s=0.0,
        percentiles={"50%": p95, "95%": p95, "99%": p95},
        total_requests=requests,
        total_failures=failures,
    )


ROWS = [_row(100, 2, 0, 0, None), _row(101, 4, 10, 0, 30.0), _row(102, 4, 30, 5, 40.0)]


def test_the_error_rate_is_per_interval_not_cumulative() -> None:
    series = series_from_history("1.1", ROWS)
    assert series.t == [0.0, 1.0, 2.0]
    assert series.error_rate_pct == [0.0, 0.0, 25.0]
    assert series.percentiles["95%"] == [None, 30.0, 40.0]


def test_ramp_up_lasts_until_every_user_is_spawned() -> None:
    assert ramp_up("ramp-up", ROWS) == Window("ramp-up", 0.0, 1.0)


def test_the_chart_is_a_png_with_baseline_and_windows(tmp_path: Path) -> None:
    candidate = series_from_history("1.1", ROWS)
    baseline = series_from_history("1.0", ROWS[:2])
    path = render_load_chart(
        candidate, tmp_path / "c" / "load.png", baseline=baseline, windows=[Window("x", 0, 1)]
    )
    assert path.read_bytes().startswith(b"\x89PNG")
    assert path.stat().st_size > 10_000


def test_an_empty_history_still_renders(tmp_path: Path) -> None:
    path = render_load_chart(series_from_history("1.1", []), tmp_path / "empty.png")
    assert path.read_bytes().startswith(b"\x89PNG")
