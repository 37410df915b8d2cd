"""Early warnings: a live metric leaving the baseline's band is said once, during the step."""

from __future__ import annotations

from actions.context import Event
from actions.telemetry.early_warning import Band, EarlyWarning


def _progress(t: float, **data: float) -> Event:
    return Event("progress", "1", "load: …", step="load", data={"elapsed_s": t, **data})


def test_the_band_is_the_reference_median_plus_robust_spreads() -> None:
    band = Band.from_reference([40, 41, 39, 40, 42, 38], floor=5)
    assert band is not None and band.low < 40 < band.high <= 40 + 4 * 5.1


def test_too_short_a_reference_gives_no_band() -> None:
    assert Band.from_reference([1.0, 2.0]) is None


def test_a_latency_above_the_baseline_band_warns_once_after_two_points() -> None:
    said: list[str] = []
    watch = EarlyWarning(
        "load", {"p95_ms": [40, 41, 39, 40, 42]}, said.append, reference_label="shop 1.0"
    )
    watch(_progress(3, p95_ms=41))
    watch(_progress(6, p95_ms=340))
    assert said == []
    watch(_progress(9, p95_ms=350))
    watch(_progress(12, p95_ms=360))
    assert len(said) == 1
    assert said[0].startswith("load: p95 latency 350 ms after 9s is above")
    assert "the normal band of shop 1.0" in said[0]


def test_errors_where_the_baseline_had_none_warn() -> None:
    said: list[str] = []
    watch = EarlyWarning("load", {"error_rate_pct": [0, 0, 0, 0]}, said.append)
    for t, rate in ((3, 8.0), (6, 9.0)):
        watch(_progress(t, error_rate_pct=rate))
    assert [s.split(" after")[0] for s in said] == ["load: error rate 9 %"]


def test_a_healthy_run_within_the_band_says_nothing() -> None:
    said: list[str] = []
    watch = EarlyWarning("load", {"p95_ms": [40, 41, 39, 40, 42]}, said.append)
    for t in range(0, 30, 3):
        watch(_progress(t, p95_ms=41, error_rate_pct=0))
    assert said == []


def test_other_steps_and_kinds_are_ignored() -> None:
    said: list[str] = []
    watch = EarlyWarning("load", {"p95_ms": [40, 41, 39]}, said.append)
    watch(Event("progress", "1", "", step="e2e", data={"p95_ms": 999, "elapsed_s": 1}))
    watch(Event("warning", "1", "", step="load", data={"p95_ms": 999, "elapsed_s": 2}))
    assert said == []
