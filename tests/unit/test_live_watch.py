"""Live early warnings from service telemetry: the baseline's band, a learnt band, gaps, once."""

from __future__ import annotations

import threading

from actions.telemetry.live_watch import LiveWatch

BASELINE = {"storefront": {"p95_ms": [40.0, 42.0, 38.0, 41.0, 39.0, 43.0]}}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make(
    values: dict[tuple[str, str], object], **kwargs: object
) -> tuple[LiveWatch, list[str], Clock]:
    said: list[str] = []
    clock = Clock()

    def read(metric: str, service: str, window_s: float, min_requests: int) -> float | None:
        value = values[(service, metric)]
        if isinstance(value, Exception):
            raise value
        return value  # type: ignore[return-value]

    watch = LiveWatch(
        "chaos",
        ["storefront"],
        ["p95_ms"],
        read,
        said.append,
        clock=clock,
        **kwargs,  # type: ignore[arg-type]
    )
    return watch, said, clock


def test_a_value_above_the_baseline_band_twice_in_three_readings_warns_once() -> None:
    values: dict[tuple[str, str], object] = {("storefront", "p95_ms"): 41.0}
    watch, said, clock = make(values, reference=BASELINE, reference_label="shop 1.0")
    for t, v in [(1, 41.0), (2, 300.0), (3, 41.0), (4, 310.0), (5, 320.0), (6, 330.0)]:
        clock.now, values[("storefront", "p95_ms")] = float(t), v
        watch.check()
    assert len(said) == 1
    assert said[0].startswith("chaos: storefront p95_ms 310 after 4s is above ")
    assert said[0].endswith("the normal band of shop 1.0")


def test_values_inside_the_band_say_nothing() -> None:
    values: dict[tuple[str, str], object] = {("storefront", "p95_ms"): 41.0}
    watch, said, clock = make(values, reference=BASELINE)
    for t in range(1, 30):
        clock.now, values[("storefront", "p95_ms")] = float(t), 38.0 + (t % 5)
        watch.check()
    assert said == []


def test_without_a_baseline_the_band_is_learnt_from_the_live_series() -> None:
    values: dict[tuple[str, str], object] = {("storefront", "p95_ms"): 40.0}
    watch, said, clock = make(values)
    for t in range(1, 80):
        clock.now = float(t)
        values[("storefront", "p95_ms")] = 40.0 + (t % 3) if t < 60 else 400.0
        watch.check()
    assert len(said) == 1 and "outside the band learned so far in this step" in said[0]


def test_missing_and_failed_readings_are_gaps() -> None:
    values: dict[tuple[str, str], object] = {("storefront", "p95_ms"): None}
    watch, said, _clock = make(values, reference=BASELINE)
    assert watch.check() == []
    values[("storefront", "p95_ms")] = TimeoutError("Prometheus is slow")
    assert watch.check() == [] and said == []


def test_the_thread_reads_until_stopped() -> None:
    seen = threading.Event()

    def read(metric: str, service: str, window_s: float, min_requests: int) -> float | None:
        seen.set()
        return None

    with LiveWatch("deploy", ["catalog"], ["p95_ms"], read, print, interval_s=0.02):
        assert seen.wait(5)
