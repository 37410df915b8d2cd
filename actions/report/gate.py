"""The quality gate: SLO objectives scored in the spirit of Keptn, and the verdict. Pure."""

from __future__ import annotations

from pydantic import BaseModel, Field

from actions.config import SLO, GateConfig
from actions.report.criteria import parse_criterion
from actions.result import Measurement, Result, Status

GO, GO_WITH_RISK, NO_GO = "go", "go with risk", "no-go"


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


def evaluate(results: list[Result], slos: list[SLO], config: GateConfig) -> GateOutcome:
    """Score the SLOs on the results, then combine with the steps' statuses into a verdict."""
    outcome = GateOutcome()
    outcome.objectives = [score_objective(s, find_measurement(results, s)) for s in slos]
    if outcome.objectives:
        total = sum(o.weight for o in outcome.objectives)
        outcome.score = round(100.0 * sum(o.score for o in outcome.objectives) / total, 1)
        if outcome.score >= config.pass_score:
            outcome.status = "pass"
        elif outcome.score >= config.warning_score:
            outcome.status = "warn"
        else:
            outcome.status = "fail"
        failed_keys = [o for o in outcome.objectives if o.key and o.status in ("fail", "nodata")]
        if failed_keys:
            outcome.status = "fail"
    outcome.verdict, outcome.reasons = _verdict(results, outcome, config)
    return outcome


def _shown(o: ObjectiveScore) -> str:
    where = f" on {o.endpoint}" if o.endpoint else ""
    value = "no data" if o.value is None else f"{round(o.value, 2):g}{o.unit and ' ' + o.unit}"
    return f"{o.name}{where}: {value} (objective {o.objective})"


def _verdict(results: list[Result], gate: GateOutcome, config: GateConfig) -> tuple[str, list[str]]:
    no_go: list[str] = []
    risk: list[str] = []
    for r in results:
        if r.status in (Status.FAIL, Status.ERROR):
            word = "failed" if r.status == Status.FAIL else "could not run"
            no_go.append(f"{r.step} {word}: {r.summary}")
        elif r.status == Status.WARN:
            risk.append(f"{r.step} warned: {r.summary}")
    for o in gate.objectives:
        if o.key and o.status in ("fail", "nodata"):
            no_go.append(f"key SLO failed: {_shown(o)}")
        elif o.status in ("fail", "nodata"):
            risk.append(f"SLO failed: {_shown(o)}")
        elif o.status == "warn":
            risk.append(f"SLO in warning: {_shown(o)}")
    if gate.score is not None:
        line = f"SLO score {gate.score:g}% (pass ≥ {config.pass_score:g}%, "
        line += f"warning ≥ {config.warning_score:g}%)"
        if gate.status == "fail" and not any(r.startswith("key SLO") for r in no_go):
            no_go.append(line + ": below the warning threshold")
        elif gate.status == "warn":
            risk.append(line + ": in the warning band")
    if no_go:
        return NO_GO, no_go + risk
    if risk:
        return GO_WITH_RISK, risk
    passed = [r.step for r in results if r.status == Status.PASS]
    reasons = [f"every step passed ({', '.join(passed)})"] if passed else []
    if gate.score is not None:
        reasons.append(f"SLO score {gate.score:g}% with every key SLO met")
    return GO, reasons
