"""The regression judge inside a run: per-service samples against the baseline run's. Pure."""

from __future__ import annotations

import random

from actions.result import Result, Status
from actions.telemetry.judge import MetricSpec, classify
from actions.telemetry.regression import JudgeSettings, judge_run, with_judgement

SETTINGS = JudgeSettings()


def noisy(center: float, n: int = 15, spread: float = 0.04, seed: int = 0) -> list[float]:
    rng = random.Random(seed)
    return [center * (1 + rng.uniform(-spread, spread)) for _ in range(n)]


def samples(storefront_p95: list[float], errors: list[float] | None = None) -> dict:
    n = len(storefront_p95)
    return {
        "storefront": {"p95_ms": storefront_p95, "error_rate_pct": errors or [0.0] * n},
        "catalog": {"p95_ms": noisy(24, n, seed=9), "error_rate_pct": [0.0] * n},
    }


def analyze(status: Status = Status.PASS) -> Result:
    return Result(step="analyze", status=status, summary="figures over 15s")


def test_a_tenfold_latency_and_new_errors_fail_the_step_with_findings_per_metric() -> None:
    base, cand = samples(noisy(40)), samples(noisy(390, seed=1), errors=noisy(8, seed=2))

    judged = with_judgement(
        analyze(), SETTINGS, window="load", samples=cand, baseline=base, against="shop 1.0 (run 6)"
    )

    assert judged.status == Status.FAIL
    assert "regression judge against shop 1.0 (run 6): fail (score 0)" in judged.summary
    assert "storefront p95_ms high (+" in judged.summary
    assert "storefront error_rate_pct high (from 0)" in judged.summary
    assert {f.title for f in judged.findings} == {
        "regression judge: storefront p95_ms is high against shop 1.0 (run 6)",
        "regression judge: storefront error_rate_pct is high against shop 1.0 (run 6)",
    }
    assert {f.service for f in judged.findings} == {"storefront"}
    assert judged.data["judge"]["verdict"] == "fail" and judged.data["samples"] == cand
    assert [m.value for m in judged.measurements if m.name == "judge_score"] == [0.0]


def test_run_to_run_noise_passes() -> None:
    result = judge_run(
        SETTINGS, baseline=samples(noisy(40, seed=3)), candidate=samples(noisy(40, seed=4))
    )
    assert result.verdict == "pass" and result.score == 100


def test_a_five_percent_shift_is_within_the_default_ten_percent_allowance() -> None:
    result = judge_run(
        SETTINGS,
        baseline=samples(noisy(40, spread=0.01)),
        candidate=samples(noisy(42, spread=0.01, seed=5)),
    )
    storefront = next(m for m in result.metrics if m.name == "storefront p95_ms")
    assert storefront.classification == "pass"


def test_the_judgement_never_improves_the_step_status() -> None:
    same = samples(noisy(40))
    judged = with_judgement(
        analyze(Status.WARN), SETTINGS, window="run", samples=same, baseline=same, against="x"
    )
    assert judged.status == Status.WARN


def test_without_baseline_samples_the_step_says_so_and_keeps_its_own() -> None:
    mine = samples(noisy(40))
    judged = with_judgement(
        analyze(), SETTINGS, window="load", samples=mine, baseline=None, against="shop 1.0 (run 2)"
    )
    assert judged.status == Status.PASS
    assert judged.summary.endswith("regression judge: no samples from shop 1.0 (run 2) to compare")
    assert judged.data["samples"] == mine and "judge" not in judged.data


def test_too_few_samples_is_no_data_not_a_pass() -> None:
    spec = MetricSpec(name="p95", min_samples=5)
    verdict = classify(spec, baseline=noisy(40, 7), candidate=[390.0, 391.0, 389.0])
    assert verdict.classification == "nodata"
    assert verdict.reason == "p95: too few samples to judge (candidate 3 < 5)"


def test_a_disabled_judge_only_keeps_the_samples() -> None:
    off = JudgeSettings(enabled=False)
    mine = samples(noisy(40))
    judged = with_judgement(analyze(), off, window="load", samples=mine, baseline=mine, against="x")
    assert judged.summary == "figures over 15s" and judged.data["samples"] == mine


def test_a_slower_service_alone_fails_the_judgement_as_p95_is_critical() -> None:
    result = judge_run(SETTINGS, baseline=samples(noisy(40)), candidate=samples(noisy(60, seed=8)))
    assert result.verdict == "fail" and result.score == 0
    assert any("critical metric storefront p95_ms is high" in r for r in result.reasons)
