"""The risk score and the verdict: every piece of evidence adds points, some block. Pure.

Each contribution names the result it comes from (a step, a finding, an SLO, the SLO score, an
open defect), so every reason in a report can be traced back. The verdict: anything blocking is
`no-go`; otherwise the summed points (capped at 100) against `go_below` and `no_go_from`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from actions.result import Result, Severity, Status

GO, GO_WITH_RISK, NO_GO = "go", "go with risk", "no-go"

Blocker = Literal["step_failed", "key_slo", "slo_score", "blocker_defect", "critical_finding"]


_KEYS = {
    "step": ("fail", "error", "warn"),
    "finding": ("critical", "high", "medium", "low", "info"),
    "slo": ("fail", "nodata", "warn"),
    "open_defect": ("blocker", "critical", "high", "medium", "low"),
}


class RiskConfig(BaseModel):
    """How much each kind of evidence weighs, what blocks outright, and the verdict thresholds."""

    model_config = ConfigDict(extra="forbid")

    go_below: float = Field(10, ge=0, le=100)
    no_go_from: float = Field(50, ge=0, le=100)
    step: dict[str, float] = {"fail": 40, "error": 40, "warn": 10}
    finding: dict[str, float] = {"critical": 20, "high": 10, "medium": 4, "low": 1, "info": 0}
    slo: dict[str, float] = {"fail": 15, "nodata": 10, "warn": 10}
    slo_score_warning: float = 10  # the SLO score in the warning band (below it: `slo_score`)
    open_defect: dict[str, float] = {
        "blocker": 50,
        "critical": 25,
        "high": 10,
        "medium": 3,
        "low": 1,
    }
    blocking: list[Blocker] = ["step_failed", "key_slo", "slo_score", "blocker_defect"]

    @field_validator("step", "finding", "slo", "open_defect")
    @classmethod
    def _known_keys(cls, value: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        allowed = _KEYS[str(info.field_name)]
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise ValueError(f"unknown {unknown}: use {', '.join(allowed)}")
        defaults = cls.model_fields[str(info.field_name)].default
        return {**defaults, **value}

    @model_validator(mode="after")
    def _ordered(self) -> RiskConfig:
        if self.go_below > self.no_go_from:
            raise ValueError(f"go_below ({self.go_below:g}) must not exceed no_go_from")
        return self


class Contribution(BaseModel):
    """One piece of evidence in the verdict: its points, why, and where it comes from."""

    points: float
    reason: str
    source: str  # step:NAME | finding:STEP:FINGERPRINT | slo:NAME | slo-score | defect:KEY
    blocking: bool = False


class OpenDefect(BaseModel):
    """A defect still open for the release that this run's findings did not already count."""

    key: str
    severity: str
    title: str


class ObjectiveView(BaseModel):
    """What the risk score needs of a scored SLO."""

    name: str
    status: str  # pass | warn | fail | nodata
    key: bool
    shown: str  # e.g. "p95 latency on /: 320 ms (objective < 300)"


class SloScore(BaseModel):
    """The SLO gate's total score and its thresholds."""

    score: float
    pass_score: float
    warning_score: float

    @property
    def band(self) -> str:
        if self.score >= self.pass_score:
            return "pass"
        return "warn" if self.score >= self.warning_score else "fail"

    @property
    def line(self) -> str:
        return (
            f"SLO score {self.score:g}% (pass ≥ {self.pass_score:g}%, "
            f"warning ≥ {self.warning_score:g}%)"
        )


class RiskAssessment(BaseModel):
    score: float
    verdict: str
    contributions: list[Contribution]
    reasons: list[str]


def assess(
    results: Sequence[Result],
    objectives: Sequence[ObjectiveView],
    slo_score: SloScore | None,
    open_defects: Iterable[OpenDefect],
    config: RiskConfig,
) -> RiskAssessment:
    """Risk and verdict from the steps, their findings, the SLOs and the open defects."""
    parts = [
        *_steps(results, config),
        *_findings(results, config),
        *_objectives(objectives, config),
        *_score(slo_score, config),
        *_defects(open_defects, config),
    ]
    score = round(min(100.0, sum(c.points for c in parts)), 1)
    verdict = _verdict(score, parts, config)
    reasons = [c.reason for c in sorted(parts, key=lambda c: (not c.blocking, -c.points))]
    if verdict == GO:
        reasons = _go_reasons(results, slo_score) + reasons
    return RiskAssessment(score=score, verdict=verdict, contributions=parts, reasons=reasons)


def _part(
    points: float, reason: str, source: str, config: RiskConfig, rule: Blocker
) -> Contribution:
    return Contribution(
        points=points, reason=reason, source=source, blocking=rule in config.blocking
    )


def _steps(results: Sequence[Result], config: RiskConfig) -> Iterable[Contribution]:
    for r in results:
        if r.status in (Status.FAIL, Status.ERROR):
            word = "failed" if r.status == Status.FAIL else "could not run"
            points = config.step[r.status.value]
            yield _part(
                points, f"{r.step} {word}: {r.summary}", f"step:{r.step}", config, "step_failed"
            )
        elif r.status == Status.WARN:
            yield Contribution(
                points=config.step["warn"],
                reason=f"{r.step} warned: {r.summary}",
                source=f"step:{r.step}",
            )


def _findings(results: Sequence[Result], config: RiskConfig) -> Iterable[Contribution]:
    for r in results:
        for f in r.findings:
            points = config.finding[f.severity.value]
            critical = f.severity == Severity.CRITICAL
            if points <= 0 and not critical:
                continue
            yield Contribution(
                points=points,
                reason=f"{f.severity.value} finding in {r.step}: {f.title}",
                source=f"finding:{r.step}:{f.fingerprint}",
                blocking=critical and "critical_finding" in config.blocking,
            )


def _objectives(objectives: Sequence[ObjectiveView], config: RiskConfig) -> Iterable[Contribution]:
    for o in objectives:
        source = f"slo:{o.name}"
        if o.key and o.status in ("fail", "nodata"):
            points = config.slo[o.status]
            yield _part(points, f"key SLO failed: {o.shown}", source, config, "key_slo")
        elif o.status in ("fail", "nodata"):
            yield Contribution(
                points=config.slo[o.status], reason=f"SLO failed: {o.shown}", source=source
            )
        elif o.status == "warn":
            yield Contribution(
                points=config.slo["warn"], reason=f"SLO in warning: {o.shown}", source=source
            )


def _score(slo_score: SloScore | None, config: RiskConfig) -> Iterable[Contribution]:
    if slo_score is None or slo_score.band == "pass":
        return
    if slo_score.band == "warn":
        reason = slo_score.line + ": in the warning band"
        yield Contribution(points=config.slo_score_warning, reason=reason, source="slo-score")
    else:
        reason = slo_score.line + ": below the warning threshold"
        yield _part(config.slo_score_warning, reason, "slo-score", config, "slo_score")


def _defects(open_defects: Iterable[OpenDefect], config: RiskConfig) -> Iterable[Contribution]:
    for d in open_defects:
        points = config.open_defect.get(d.severity, 0.0)
        reason = f"open defect {d.key} ({d.severity}): {d.title}"
        if d.severity == "blocker":
            yield _part(points, reason, f"defect:{d.key}", config, "blocker_defect")
        elif points > 0:
            yield Contribution(points=points, reason=reason, source=f"defect:{d.key}")


def _verdict(score: float, parts: Sequence[Contribution], config: RiskConfig) -> str:
    if any(c.blocking for c in parts) or score >= config.no_go_from:
        return NO_GO
    return GO_WITH_RISK if score >= config.go_below and score > 0 else GO


def _go_reasons(results: Sequence[Result], slo_score: SloScore | None) -> list[str]:
    passed = [r.step for r in results if r.status == Status.PASS]
    reasons = [f"every step passed ({', '.join(passed)})"] if passed else []
    if slo_score is not None:
        reasons.append(f"SLO score {slo_score.score:g}% with every key SLO met")
    return reasons
