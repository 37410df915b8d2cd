"""The regression judge: candidate against baseline per metric, in the spirit of Kayenta's judge.

Each metric's two samples (from the same window; kept apart by argument, never by a shared query)
are cleaned (non-finite values dropped, IQR outliers removed), compared with a Mann–Whitney U test
and a Hodges–Lehmann interval on the shift, and classified pass / high / low / nodata. The classes
make a score and a verdict. Pure: data in, data out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from actions.telemetry import judge_stats as js

Direction = Literal["increase", "decrease", "either"]
Classification = Literal["pass", "high", "low", "nodata"]
Verdict = Literal["pass", "marginal", "fail"]
Sample = Sequence[float] | js.Array


class MetricSpec(BaseModel):
    """How one metric is judged; allowed increase and decrease are candidate ÷ baseline ratios."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    direction: Direction = "increase"
    critical: bool = False
    must_have_data: bool = False
    allowed_increase: float = Field(1.0, ge=1.0)  # high only if effect size ≥ this (e.g. 1.10)
    allowed_decrease: float = Field(
        1.0, gt=0.0, le=1.0
    )  # low only if effect size ≤ this (e.g. 0.90)
    effect: js.Effect = "mean"
    remove_outliers: bool = True
    outlier_factor: float = Field(3.0, gt=0.0)
    min_samples: int = Field(1, ge=1)  # fewer values on either side: nodata, not a guess
    weight: float = Field(1.0, gt=0.0)  # the metric's weight inside its group
    group: str = "default"


class JudgeConfig(BaseModel):
    """Score thresholds, the interval's confidence and the tolerance around the shift estimate."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pass_score: float = Field(95.0, ge=0.0, le=100.0)
    marginal_score: float = Field(75.0, ge=0.0, le=100.0)
    confidence: float = Field(0.98, gt=0.0, lt=1.0)
    tolerance: float = Field(0.25, ge=0.0)
    group_weights: dict[str, float] = Field(default_factory=dict)  # a missing group weighs 1

    @model_validator(mode="after")
    def _ordered(self) -> JudgeConfig:
        if self.marginal_score > self.pass_score:
            raise ValueError("marginal_score must not exceed pass_score")
        return self


class MetricVerdict(BaseModel):
    """One metric's class and evidence; `effect_size` is candidate ÷ baseline by the statistic."""

    name: str
    classification: Classification
    p_value: float | None = None
    hl_estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    effect_size: float | None = None
    baseline_n: int = 0
    candidate_n: int = 0
    reason: str


class JudgeResult(BaseModel):
    """Every metric's verdict, the score (0–100) and the overall verdict with its reasons."""

    metrics: list[MetricVerdict]
    score: float
    verdict: Verdict
    reasons: list[str]


def classify(
    spec: MetricSpec, *, baseline: Sample, candidate: Sample, config: JudgeConfig | None = None
) -> MetricVerdict:
    """Classify one metric's candidate sample against its baseline sample; never raises on data."""
    with np.errstate(all="ignore"):
        return _classify(spec, js.finite(baseline), js.finite(candidate), config or JudgeConfig())


def _classify(
    spec: MetricSpec, base: js.Array, cand: js.Array, config: JudgeConfig
) -> MetricVerdict:
    if spec.remove_outliers:
        base = js.remove_outliers(base, spec.outlier_factor)
        cand = js.remove_outliers(cand, spec.outlier_factor)
    sizes = {"baseline_n": int(base.size), "candidate_n": int(cand.size)}
    if base.size < spec.min_samples or cand.size < spec.min_samples:
        short = [(s, a.size) for s, a in (("baseline", base), ("candidate", cand))]
        missing = " and ".join(s for s, n in short if n == 0)
        few = ", ".join(f"{s} {n}" for s, n in short if 0 < n < spec.min_samples)
        why = f"no data — {missing}" if missing else ""
        if few:
            why += ("; " if why else "") + f"too few samples to judge ({few} < {spec.min_samples})"
        return MetricVerdict(
            name=spec.name, classification="nodata", reason=f"{spec.name}: {why}", **sizes
        )
    if (
        np.array_equal(np.sort(base), np.sort(cand))
        or np.unique(np.concatenate([base, cand])).size == 1
    ):
        return MetricVerdict(
            name=spec.name, classification="pass", p_value=1.0, hl_estimate=0.0, ci_low=0.0,
            ci_high=0.0, effect_size=1.0, reason=f"{spec.name}: pass — identical samples", **sizes,
        )  # fmt: skip
    effect = js.ratio(js.statistic(cand, spec.effect), js.statistic(base, spec.effect))
    if np.unique(base).size == 1 and np.unique(cand).size == 1:
        # Two constant but different series: deterministic noise lets the rank test order them.
        base, cand = js.jitter(base, seed=1), js.jitter(cand, seed=2)
    result = js.shift(cand, base, config.confidence)
    tolerance = config.tolerance * abs(result.estimate)
    if spec.direction != "decrease" and result.low > tolerance and effect >= spec.allowed_increase:
        label: Classification = "high"
    elif (
        spec.direction != "increase"
        and result.high < -tolerance
        and effect <= spec.allowed_decrease
    ):
        label = "low"
    else:
        label = "pass"
    reference = float(np.median(base))
    return MetricVerdict(
        name=spec.name, classification=label, p_value=result.p_value, hl_estimate=result.estimate,
        ci_low=result.low, ci_high=result.high, effect_size=effect,
        reason=f"{spec.name}: {label} — candidate {spec.effect} {_pct(effect - 1.0)} "
        f"(CI {_rel(result.low, reference)}…{_rel(result.high, reference)}), {_p(result.p_value)}",
        **sizes,
    )  # fmt: skip


def judge(
    specs: Sequence[MetricSpec],
    *,
    baseline: Mapping[str, Sample],
    candidate: Mapping[str, Sample],
    config: JudgeConfig | None = None,
) -> JudgeResult:
    """Judge every metric of `specs` (samples by metric name; missing means no data), score them."""
    config = config or JudgeConfig()
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"metric names must be unique: {names}")
    verdicts = [
        classify(
            s, baseline=baseline.get(s.name, ()), candidate=candidate.get(s.name, ()), config=config
        )
        for s in specs
    ]
    score, reasons = _score(specs, verdicts, config)
    if score >= config.pass_score:
        verdict: Verdict = "pass"
    elif score >= config.marginal_score:
        verdict = "marginal"
    else:
        verdict = "fail"
    passed = sum(v.classification == "pass" for v in verdicts)
    summary = (
        f"score {score:.1f} → {verdict} (pass ≥ {config.pass_score:g}, marginal ≥ "
        f"{config.marginal_score:g}); {passed} of {len(verdicts)} metrics pass"
    )
    details = [v.reason for v in verdicts if v.classification != "pass"]
    return JudgeResult(
        metrics=verdicts, score=score, verdict=verdict, reasons=[summary, *reasons, *details]
    )


def _score(
    specs: Sequence[MetricSpec], verdicts: Sequence[MetricVerdict], config: JudgeConfig
) -> tuple[float, list[str]]:
    """Kayenta's score: per group 100 × pass ÷ (pass + high + low + nodata that must have data),
    groups weighted; 0 if a critical metric is not pass or ≥ 50% of the metrics have no data."""
    if not verdicts:
        return 0.0, ["no metrics to judge"]
    forced = [
        f"critical metric {v.name} is {v.classification}: score forced to 0"
        for s, v in zip(specs, verdicts, strict=True)
        if s.critical and v.classification != "pass"
    ]
    nodata = sum(v.classification == "nodata" for v in verdicts)
    if 2 * nodata >= len(verdicts):
        forced.append(f"{nodata} of {len(verdicts)} metrics have no data: score forced to 0")
    if forced:
        return 0.0, forced
    groups: dict[str, list[float]] = {}  # group → [weighted pass, weighted counted]
    for spec, v in zip(specs, verdicts, strict=True):
        tally = groups.setdefault(spec.group, [0.0, 0.0])
        if v.classification != "nodata" or spec.must_have_data:
            tally[1] += spec.weight
            tally[0] += spec.weight if v.classification == "pass" else 0.0
    counted = {g: 100.0 * p / n for g, (p, n) in groups.items() if n > 0}
    weights = {g: config.group_weights.get(g, 1.0) for g in counted}
    total = sum(weights.values())
    if total <= 0:
        return 0.0, ["no group carries weight"]
    return sum(counted[g] * weights[g] for g in counted) / total, []


def _pct(fraction: float) -> str:
    if math.isnan(fraction):
        return "n/a"
    if math.isinf(fraction):
        return "+∞%" if fraction > 0 else "−∞%"
    return f"{fraction:+.1%}"


def _rel(value: float, reference: float) -> str:
    """A shift as a percentage of the baseline median (absolute when the median is zero)."""
    if math.isinf(value):
        return "+∞" if value > 0 else "−∞"
    return _pct(value / abs(reference)) if reference else f"{value:+.4g}"


def _p(p_value: float) -> str:
    return "p<0.0001" if p_value < 1e-4 else f"p={p_value:.2g}"
