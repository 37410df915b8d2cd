"""The regression judge as part of a run: this run's samples against the baseline run's. Pure.

A run's `analyze` step keeps, per service and metric, the values of consecutive non-overlapping
windows (e.g. the p95 of each 2 s of the load). This module judges those samples against the same
samples of the baseline run (the previous version, or the stable pods beside a canary) with
`judge.judge`, one metric per service and figure, and says what the outcome means for the step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from actions.result import Finding, Measurement, Result, Severity, Status
from actions.telemetry.judge import (
    Direction,
    JudgeConfig,
    JudgeResult,
    MetricSpec,
    MetricVerdict,
    judge,
)

Samples = Mapping[str, Mapping[str, Sequence[float]]]  # service → metric → window values


class JudgedMetric(BaseModel):
    """How one figure is judged on every service."""

    model_config = ConfigDict(extra="forbid")

    name: str  # a recorder figure (p95_ms, error_rate_pct, …) or an SLI name with Prometheus
    direction: Direction = "increase"
    allowed_increase: float = Field(1.10, ge=1.0)  # candidate ÷ baseline that is still fine
    allowed_decrease: float = Field(0.90, gt=0.0, le=1.0)
    critical: bool = False  # a regression of it alone fails the judgement


class JudgeSettings(BaseModel):
    """`telemetry.judge:` which figures are judged, over which windows, with which thresholds."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    metrics: list[JudgedMetric] = Field(
        default_factory=lambda: [
            JudgedMetric(name="p95_ms", critical=True),  # a slower service fails the judgement
            JudgedMetric(name="error_rate_pct", allowed_increase=1.0),
        ]
    )
    step: str = Field("1s", pattern=r"^\d+(s|m)$")  # the window of one sample
    min_samples: int = Field(5, ge=2)  # fewer windows on either side: no judgement of that metric
    min_requests: int = Field(10, ge=0)  # a window with fewer requests is no sample (recorder)
    pass_score: float = Field(95.0, ge=0, le=100)
    marginal_score: float = Field(75.0, ge=0, le=100)


def specs(settings: JudgeSettings, services: Sequence[str]) -> list[MetricSpec]:
    """One metric spec per service and judged figure, named `service metric`."""
    return [
        MetricSpec(
            name=f"{service} {metric.name}",
            direction=metric.direction,
            allowed_increase=metric.allowed_increase,
            allowed_decrease=metric.allowed_decrease,
            critical=metric.critical,
            min_samples=settings.min_samples,
            group=service,
        )
        for service in services
        for metric in settings.metrics
    ]


def judge_run(settings: JudgeSettings, *, baseline: Samples, candidate: Samples) -> JudgeResult:
    """Judge every service the candidate has samples for against the baseline's samples."""

    def flat(samples: Samples) -> dict[str, Sequence[float]]:
        return {f"{s} {m}": v for s, by_metric in samples.items() for m, v in by_metric.items()}

    services = sorted(candidate)
    config = JudgeConfig(pass_score=settings.pass_score, marginal_score=settings.marginal_score)
    return judge(
        specs(settings, services), baseline=flat(baseline), candidate=flat(candidate), config=config
    )


def status_of(result: JudgeResult) -> Status:
    """fail → FAIL, marginal → WARN, pass → PASS."""
    return {"pass": Status.PASS, "marginal": Status.WARN}.get(result.verdict, Status.FAIL)


def summary_of(result: JudgeResult, against: str) -> str:
    """One line: the verdict, the score and the metrics that did not pass."""
    flagged = [
        f"{m.name} {m.classification}{_change(m)}"
        for m in result.metrics
        if m.classification != "pass"
    ]
    tail = f": {', '.join(flagged)}" if flagged else ""
    return f"regression judge against {against}: {result.verdict} (score {result.score:.0f}){tail}"


def change_text(effect: float | None) -> str:
    """A candidate ÷ baseline ratio as a change: "+12%", "from 0", or "" when unknown."""
    if effect is None or math.isnan(effect):
        return ""
    return "from 0" if math.isinf(effect) else f"{effect - 1:+.0%}"


def _change(metric: MetricVerdict) -> str:
    text = "" if metric.classification == "nodata" else change_text(metric.effect_size)
    return f" ({text})" if text else ""


def with_judgement(
    result: Result,
    settings: JudgeSettings,
    *,
    window: str,
    samples: Samples,
    baseline: Samples | None,
    against: str,
) -> Result:
    """The analyze result with its samples kept and, given the baseline's, judged against them.

    The judgement's verdict can only make the step's status worse, never better.
    """
    data: dict[str, Any] = {**result.data, "samples": samples, "samples_window": window}
    if not settings.enabled:
        return result.model_copy(update={"data": data})
    if not baseline or not samples:
        missing = "this run" if not samples else against
        note = f"regression judge: no samples from {missing} to compare"
        return result.model_copy(update={"data": data, "summary": f"{result.summary}; {note}"})
    verdict = judge_run(settings, baseline=baseline, candidate=samples)
    data["judge"] = {**verdict.model_dump(), "against": against, "window": window}
    status = max(result.status, status_of(verdict), key=lambda s: s.rank)
    findings = [
        Finding(
            severity=Severity.CRITICAL if m.classification == "high" else Severity.MEDIUM,
            title=f"regression judge: {m.name} is {m.classification} against {against}",
            evidence=m.reason,
            service=m.name.split(" ", 1)[0],
        )
        for m in verdict.metrics
        if m.classification in ("high", "low")
    ]
    return result.model_copy(
        update={
            "status": status,
            "summary": f"{result.summary}; {summary_of(verdict, against)}",
            "findings": [*result.findings, *findings],
            "measurements": [
                *result.measurements,
                Measurement(name="judge_score", value=round(verdict.score, 1), unit=""),
            ],
            "data": data,
        }
    )
