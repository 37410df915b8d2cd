"""The quality gate: SLO objectives scored in the spirit of Keptn, then risk and verdict. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from actions.config import SLO, GateConfig
from actions.report.criteria import parse_criterion
from actions.report.risk import (
    GO,
    GO_WITH_RISK,
    NO_GO,
    Contribution,
    ObjectiveView,
    OpenDefect,
    SloScore,
    assess,
)
from actions.result import Measurement, Result

__all__ = ["GO", "GO_WITH_RISK", "NO_GO", "GateOutcome", "OpenDefect", "evaluate"]


class ObjectiveScore(BaseModel):
    name: str
    metric: str
    endpoint: str | None
    value: float | None
    unit: str = ""
    baseline: float | None = None
    objective: str
    warning: str | None
    status: str  # pass | warn | fail | nodata
    score: float
    weight: float
    key: bool


class GateOutcome(BaseModel):
    objectives: list[ObjectiveScore] = Field(default_factory=list)
    score: float | None = None
    status: str = "pass"  # pass | warn | fail
    verdict: str = GO
    reasons: list[str] = Field(default_factory=list)
    risk: float | None = None  # 0-100, from the contributions
    contributions: list[Contribution] = Field(default_factory=list)


def find_measurement(results: list[Result], slo: SLO) -> Measurement | None:
    """The measurement an SLO is about: `step.name`, on its endpoint or the aggregate."""
    step, _, name = slo.metric.partition(".")
    for result in results:
        if result.step != step:
            continue
        candidates = [m for m in result.measurements if m.name == name]
        if slo.endpoint:
            candidates = [m for m in candidates if m.tags.get("endpoint") == slo.endpoint]
        elif any("endpoint" in m.tags for m in candidates):
            candidates = [m for m in candidates if m.tags.get("endpoint") == "Aggregated"]
        if candidates:
            return candidates[0]
    return None


def score_objective(slo: SLO, measurement: Measurement | None) -> ObjectiveScore:
    """Pass earns the weight, warning half of it, fail or no data nothing."""
    value = measurement.value if measurement else None
    baseline = measurement.baseline if measurement else None
    status = "nodata"
    if value is not None:
        passed = parse_criterion(slo.objective).holds(value, baseline)
        warned = parse_criterion(slo.warning).holds(value, baseline) if slo.warning else False
        if passed is None:
            status = "nodata"
        elif passed:
            status = "pass"
        elif warned:
            status = "warn"
        else:
            status = "fail"
    score = {"pass": slo.weight, "warn": slo.weight / 2}.get(status, 0.0)
    return ObjectiveScore(
        name=slo.name,
        metric=slo.metric,
        endpoint=slo.endpoint,
        value=value,
        unit=measurement.unit if measurement else "",
        baseline=baseline,
        objective=slo.objective,
        warning=slo.warning,
        status=status,
        score=score,
        weight=slo.weight,
        key=slo.key,
    )


def evaluate(
    results: list[Result],
    slos: list[SLO],
    config: GateConfig,
    open_defects: Iterable[OpenDefect] = (),
) -> GateOutcome:
    """Score the SLOs on the results, then weigh all the evidence into a risk and a verdict."""
    outcome = GateOutcome()
    outcome.objectives = [score_objective(s, find_measurement(results, s)) for s in slos]
    slo_score = None
    if outcome.objectives:
        total = sum(o.weight for o in outcome.objectives)
        outcome.score = round(100.0 * sum(o.score for o in outcome.objectives) / total, 1)
        slo_score = SloScore(
            score=outcome.score, pass_score=config.pass_score, warning_score=config.warning_score
        )
        outcome.status = slo_score.band
        failed_keys = [o for o in outcome.objectives if o.key and o.status in ("fail", "nodata")]
        if failed_keys:
            outcome.status = "fail"
    views = [
        ObjectiveView(name=o.name, status=o.status, key=o.key, shown=_shown(o))
        for o in outcome.objectives
    ]
    risk = assess(results, views, slo_score, open_defects, config.risk)
    outcome.verdict, outcome.reasons = risk.verdict, risk.reasons
    outcome.risk, outcome.contributions = risk.score, risk.contributions
    return outcome


def _shown(o: ObjectiveScore) -> str:
    where = f" on {o.endpoint}" if o.endpoint else ""
    value = "no data" if o.value is None else f"{round(o.value, 2):g}{o.unit and ' ' + o.unit}"
    return f"{o.name}{where}: {value} (objective {o.objective})"
