"""The regression judge: per-metric classes in the spirit of Kayenta, the score and the verdict."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from actions.telemetry import judge_stats
from actions.telemetry.judge import JudgeConfig, MetricSpec, classify, judge

RNG = np.random.default_rng(20240501)
BASE = RNG.lognormal(mean=3.0, sigma=0.1, size=120)
NOISE = RNG.lognormal(mean=3.0, sigma=0.1, size=120)  # another run of the same system


def _spec(**kw: object) -> MetricSpec:
    return MetricSpec.model_validate({"name": "latency", **kw})


@pytest.mark.parametrize(
    ("spec", "baseline", "candidate", "expected"),
    [
        pytest.param(_spec(), BASE, BASE.copy(), "pass", id="identical samples pass"),
        pytest.param(_spec(), BASE, NOISE, "pass", id="run-to-run noise passes"),
        pytest.param(_spec(), BASE, NOISE * 1.3, "high", id="a clear increase is high"),
        pytest.param(_spec(), BASE, NOISE * 0.7, "pass", id="a decrease is fine by default"),
        pytest.param(_spec(direction="decrease"), BASE, NOISE * 0.7, "low", id="decrease is low"),
        pytest.param(_spec(direction="decrease"), BASE, NOISE * 1.3, "pass", id="increase fine"),
        pytest.param(_spec(direction="either"), BASE, NOISE * 1.3, "high", id="either: high"),
        pytest.param(_spec(direction="either"), BASE, NOISE * 0.7, "low", id="either: low"),
        pytest.param(_spec(allowed_increase=1.5), BASE, NOISE * 1.3, "pass", id="within allowed"),
        pytest.param(_spec(allowed_decrease=0.5), BASE, NOISE * 0.7, "pass", id="allowed decrease"),
        pytest.param(_spec(effect="p95"), BASE, NOISE * 1.3, "high", id="p95 effect: high"),
        pytest.param(_spec(effect="median"), BASE, NOISE * 1.3, "high", id="median effect: high"),
        pytest.param(_spec(), [], NOISE, "nodata", id="no baseline data"),
        pytest.param(_spec(), BASE, [math.nan, math.inf], "nodata", id="only non-finite values"),
        pytest.param(_spec(), [5.0] * 20, [5.0] * 30, "pass", id="one constant everywhere"),
        pytest.param(_spec(), [5.0] * 20, [6.0] * 20, "high", id="constant but different"),
        pytest.param(_spec(), [5.0], [6.0], "pass", id="too few values to tell"),
    ],
)
def test_metric_is_classified(
    spec: MetricSpec, baseline: list[float], candidate: list[float], expected: str
) -> None:
    assert classify(spec, baseline=baseline, candidate=candidate).classification == expected


def test_a_high_verdict_says_by_how_much_with_its_interval_and_p() -> None:
    verdict = classify(
        _spec(name="p95 of GET /x", effect="p95"), baseline=BASE, candidate=NOISE * 1.3
    )
    assert verdict.reason.startswith("p95 of GET /x: high — candidate p95 +")
    assert "(CI +" in verdict.reason and "p<0.0001" in verdict.reason
    assert verdict.ci_low is not None and verdict.ci_high is not None
    assert 0 < verdict.ci_low < verdict.hl_estimate < verdict.ci_high  # type: ignore[operator]
    assert verdict.effect_size == pytest.approx(1.3, rel=0.1)
    assert (verdict.baseline_n, verdict.candidate_n) == (120, 120)


def test_one_huge_outlier_is_removed_before_judging() -> None:
    base = list(RNG.normal(100.0, 1.0, 60))
    candidate = [*RNG.normal(105.0, 1.0, 59), 1e6]
    spec = _spec(allowed_increase=1.10)  # a 5% shift is allowed; the outlier alone drags the mean
    assert classify(spec, baseline=base, candidate=candidate).classification == "pass"
    kept = spec.model_copy(update={"remove_outliers": False})
    assert classify(kept, baseline=base, candidate=candidate).classification == "high"


def test_hodges_lehmann_interval_matches_the_pairwise_differences() -> None:
    candidate, baseline = np.arange(10.0) + 3.0, np.arange(12.0)
    diffs = np.sort(np.subtract.outer(candidate, baseline).ravel())
    shift = judge_stats.shift(candidate, baseline, confidence=0.95)
    assert shift.estimate == pytest.approx(np.median(diffs))
    assert shift.low in diffs and shift.high in diffs
    assert shift.low < 3.0 < shift.high


def test_large_samples_are_thinned_to_a_close_interval() -> None:
    baseline, candidate = RNG.normal(0, 1, 3000), RNG.normal(0.2, 1, 3000)
    shift = judge_stats.shift(candidate, baseline, confidence=0.98)
    assert 0.1 < shift.low < shift.estimate < shift.high < 0.3


def _judged(classes: dict[str, str], **spec_kw: dict[str, object]) -> tuple[float, str]:
    samples: dict[str, list[float]] = {
        "pass": list(NOISE),
        "high": list(NOISE * 1.3),
        "low": list(NOISE * 0.7),
        "nodata": [],
    }
    specs = [
        MetricSpec.model_validate({"name": n, "direction": "either", **spec_kw.get(n, {})})
        for n in classes
    ]
    result = judge(
        specs,
        baseline={n: BASE for n in classes},
        candidate={n: samples[c] for n, c in classes.items()},
    )
    assert [m.classification for m in result.metrics] == list(classes.values())
    return result.score, result.verdict


@pytest.mark.parametrize(
    ("classes", "spec_kw", "score", "verdict"),
    [
        ({"a": "pass", "b": "pass"}, {}, 100.0, "pass"),
        ({"a": "pass", "b": "pass", "c": "pass", "d": "high"}, {}, 75.0, "marginal"),
        ({"a": "pass", "b": "low"}, {}, 50.0, "fail"),
        ({"a": "pass", "b": "pass", "c": "nodata"}, {}, 100.0, "pass"),
        (
            {"a": "pass", "b": "pass", "c": "nodata"},
            {"c": {"must_have_data": True}},
            200 / 3,
            "fail",
        ),
        ({"a": "pass", "b": "nodata"}, {}, 0.0, "fail"),
        ({"a": "pass", "b": "pass", "c": "high"}, {"c": {"critical": True}}, 0.0, "fail"),
        ({"a": "pass", "b": "pass", "c": "nodata"}, {"c": {"critical": True}}, 0.0, "fail"),
        ({"a": "pass", "b": "high"}, {"a": {"weight": 3.0}}, 75.0, "marginal"),
    ],
)
def test_score_and_verdict(
    classes: dict[str, str], spec_kw: dict[str, dict[str, object]], score: float, verdict: str
) -> None:
    assert _judged(classes, **spec_kw) == (pytest.approx(score), verdict)


def test_groups_are_weighted() -> None:
    specs = [_spec(name="a", group="latency"), _spec(name="b", group="errors")]
    result = judge(
        specs,
        baseline={"a": BASE, "b": BASE},
        candidate={"a": NOISE, "b": NOISE * 1.3},
        config=JudgeConfig(group_weights={"latency": 3.0, "errors": 1.0}),
    )
    assert result.score == pytest.approx(75.0)


def test_reasons_explain_the_score_and_each_failing_metric() -> None:
    result = judge(
        [_spec(name="p95", critical=True), _spec(name="errors")],
        baseline={"p95": BASE, "errors": BASE},
        candidate={"p95": NOISE * 1.3, "errors": NOISE},
    )
    assert result.reasons[0].startswith("score 0.0 → fail")
    assert "critical metric p95 is high: score forced to 0" in result.reasons
    assert any(r.startswith("p95: high — candidate mean +") for r in result.reasons)


def test_missing_samples_count_as_no_data_and_names_must_be_unique() -> None:
    result = judge([_spec(name="a"), _spec(name="b")], baseline={"a": BASE}, candidate={"a": BASE})
    assert [m.classification for m in result.metrics] == ["pass", "nodata"]
    with pytest.raises(ValueError, match="unique"):
        judge([_spec(name="a"), _spec(name="a")], baseline={}, candidate={})


def test_no_metrics_fail() -> None:
    assert judge([], baseline={}, candidate={}).verdict == "fail"


def test_config_is_validated() -> None:
    with pytest.raises(ValidationError):
        JudgeConfig(pass_score=70, marginal_score=80)
    with pytest.raises(ValidationError):
        MetricSpec(name="x", allowed_increase=0.9)


SAMPLES = st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=40)


@settings(max_examples=150, deadline=None)
@given(baseline=SAMPLES, candidate=SAMPLES, direction=st.sampled_from(["increase", "either"]))
def test_judge_never_raises_on_finite_samples(
    baseline: list[float], candidate: list[float], direction: str
) -> None:
    spec = _spec(direction=direction, effect="p95")
    result = judge([spec], baseline={"latency": baseline}, candidate={"latency": candidate})
    assert result.metrics[0].classification in {"pass", "high", "low", "nodata"}


@settings(max_examples=150, deadline=None)
@given(sample=st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=40))
def test_a_sample_against_itself_always_passes(sample: list[float]) -> None:
    spec = _spec(direction="either")
    assert classify(spec, baseline=sample, candidate=list(sample)).classification == "pass"
