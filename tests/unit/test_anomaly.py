"""The streaming anomaly detector: quiet on noise, quick on steps and spikes, never crashes."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.telemetry.anomaly import Detector, DetectorConfig, Direction, Score, detect


def noisy(n: int, seed: int = 7, level: float = 100.0) -> list[float]:
    rng = random.Random(seed)
    return [level + rng.gauss(0.0, 2.0) for _ in range(n)]


def first_alert(scores: list[Score], after: int = 0) -> int | None:
    return next((i for i, s in enumerate(scores) if s.alert and i >= after), None)


def run(values: list[float], **config: object) -> list[Score]:
    return detect(list(enumerate(map(float, values))), DetectorConfig(**config))  # type: ignore[arg-type]


def test_flat_noisy_series_never_alerts_after_warmup() -> None:
    assert not any(s.alert for s in run(noisy(2000)))


def test_step_change_alerts_within_a_few_points() -> None:
    values = noisy(400) + [v + 30.0 for v in noisy(50, seed=8)]
    first = first_alert(run(values))
    assert first is not None and 400 <= first <= 405


def test_spike_alerts_at_once() -> None:
    values = noisy(300)
    values[250] += 60.0
    first = first_alert(run(values))
    assert first is not None and 250 <= first <= 252


def test_increase_only_ignores_a_drop() -> None:
    values = noisy(400) + [v - 30.0 for v in noisy(50, seed=8)]
    assert first_alert(run(values, direction=Direction.INCREASE)) is None
    assert first_alert(run(values, direction=Direction.DECREASE)) is not None


def test_no_alert_during_warmup() -> None:
    values = noisy(100)
    values[20] += 500.0
    assert not any(s.alert for s in run(values, warmup=50)[:50])


def test_constant_series_never_divides_by_zero_and_stays_quiet() -> None:
    scores = run([5.0] * 500)
    assert all(s.anomaly_score < 0.01 and not s.alert for s in scores)
    assert scores[-1].band_low == pytest.approx(5.0)
    assert scores[-1].band_high == pytest.approx(5.0)


def test_change_from_a_constant_series_alerts() -> None:
    assert first_alert(run([5.0] * 200 + [6.0] * 20)) is not None


def test_band_brackets_the_normal_level() -> None:
    last = run(noisy(500))[-1]
    assert last.band_low < 100.0 < last.band_high


def test_alert_reason_names_the_band() -> None:
    values = noisy(400) + [v + 30.0 for v in noisy(10, seed=8)]
    alerted = next(s for s in run(values) if s.alert)
    assert "above the normal band" in alerted.reason


def test_non_finite_value_is_ignored() -> None:
    detector = Detector()
    for i, v in enumerate(noisy(50)):
        detector.update(float(i), v)
    assert detector.update(50.0, float("nan")).anomaly_score == 0.0


def test_same_input_gives_same_scores() -> None:
    values = noisy(300) + [v + 30.0 for v in noisy(20, seed=8)]
    assert run(values) == run(values)


def test_confirm_cannot_exceed_the_debounce_window() -> None:
    with pytest.raises(ValueError, match="confirm"):
        DetectorConfig(confirm=4, of_last=3)


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=200))
def test_arbitrary_finite_series_never_raise_and_scores_stay_in_unit_interval(
    values: list[float],
) -> None:
    for s in run(values, warmup=5):
        assert 0.0 <= s.anomaly_score <= 1.0


def test_an_incident_scores_once_at_its_onset_then_is_held_at_zero() -> None:
    values = noisy(400) + [v + 30.0 for v in noisy(60, seed=8)]
    scores = run(values, refractory=50)
    onset = next(i for i, s in enumerate(scores) if s.anomaly_score >= 0.02)
    assert 400 <= onset <= 405
    assert all(s.anomaly_score == 0.0 for s in scores[onset + 1 : onset + 51])
    assert scores[onset + 10].alert  # the alert stays up while the incident lasts
    assert "same incident" in scores[onset + 10].reason


def test_without_refractory_period_the_score_stays_high() -> None:
    values = noisy(400) + [v + 30.0 for v in noisy(20, seed=8)]
    scores = run(values, refractory=0)
    assert sum(s.anomaly_score >= 0.02 for s in scores[400:]) > 5


def test_a_second_incident_after_the_refractory_period_scores_again() -> None:
    values = noisy(600)
    values[300] += 80.0
    values[500] += 80.0
    scores = run(values, refractory=100)
    assert scores[300].anomaly_score >= 0.02
    assert scores[500].anomaly_score >= 0.02
