"""What an experiment showed, from its probe checks and traffic: pure, no clock and no I/O.

The runner records every check of every probe (`Check`) with its phase, and the times that
matter (`Marks`); this module turns them into the hypothesis before, during and after, the time
to detect and to recover, the error budget burned, and the step's status with its findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Literal

from actions.chaos.traffic import Observation
from actions.result import Finding, Measurement, Severity, Status

Phase = Literal["before", "during", "recovery", "after"]
PHASES: tuple[Phase, ...] = ("before", "during", "after")  # "recovery": between the two


@dataclass(frozen=True)
class Check:
    """One probe at one moment: its value (None: no data) and whether the tolerance held."""

    at: float
    phase: Phase
    probe: str
    value: float | None
    holds: bool | None  # None: nothing to judge (no data)
    detail: str = ""
    metric: str | None = None  # an SLO probe's metric and service (what abort thresholds watch)
    service: str | None = None


@dataclass(frozen=True)
class Marks:
    """Epoch seconds: the first fault applied, every fault taken away, the end of the checks."""

    injected_at: float | None = None
    removed_at: float | None = None
    ended_at: float | None = None


@dataclass(frozen=True)
class PhaseVerdict:
    phase: Phase
    held: bool | None  # None: not checked (or no data at all)
    checks: int
    broken: tuple[str, ...] = ()  # "probe: value (detail)" of the checks that did not hold

    def text(self) -> str:
        if self.held is None:
            return f"{self.phase}: not checked"
        if self.held:
            return f"{self.phase}: held ({self.checks} checks)"
        return f"{self.phase}: broken ({'; '.join(self.broken[:3])})"


@dataclass(frozen=True)
class Budget:
    requests: int
    failed: int
    allowed_share: float

    @property
    def burned_pct(self) -> float | None:
        """Failed requests as a share of what the budget allows over the same requests."""
        allowed = self.allowed_share * self.requests
        if self.requests == 0:
            return None
        return 100.0 * self.failed / allowed if allowed > 0 else float("inf")


def phase_verdict(checks: Sequence[Check], phase: Phase) -> PhaseVerdict:
    mine = [c for c in checks if c.phase == phase]
    judged = [c for c in mine if c.holds is not None]
    broken = tuple(dict.fromkeys(_broken(c) for c in judged if not c.holds))
    held = None if not judged else not broken
    return PhaseVerdict(phase, held, len(judged), broken)


def _broken(check: Check) -> str:
    value = "no answer" if check.value is None else f"{check.value:.4g}"
    return f"{check.probe}: {value}" + (f" ({check.detail})" if check.detail else "")


def time_to_detect(checks: Sequence[Check], marks: Marks) -> float | None:
    """Seconds from the first fault to the first check that did not hold; None: never seen."""
    if marks.injected_at is None:
        return None
    start = marks.injected_at
    failing = [c.at for c in checks if c.at >= start and c.holds is False]
    return min(failing) - start if failing else None


def time_to_recover(checks: Sequence[Check], marks: Marks) -> float | None:
    """Seconds from the faults' removal to the first moment every probe held again.

    None when that never happened; 0.0 when nothing was broken at the removal.
    """
    if marks.removed_at is None:
        return None
    after = sorted((c for c in checks if c.at >= marks.removed_at), key=_at)
    for at, group in groupby(after, key=_at):
        rows = list(group)
        if rows and all(c.holds is True for c in rows):
            return max(0.0, at - marks.removed_at)
    return None


def _at(check: Check) -> float:
    return check.at


def error_budget(
    observations: Sequence[Observation], start: float, end: float, allowed_share: float
) -> Budget:
    """Failed requests among those sent between `start` and `end`, against the allowed share."""
    window = [o for o in observations if start <= o.at < end]
    return Budget(len(window), sum(o.failed for o in window), allowed_share)


def per_second(
    observations: Sequence[Observation], origin: float
) -> list[tuple[float, float | None, float | None, float]]:
    """(second from origin, p50 ms, p95 ms, error %) of each second with requests."""
    seconds: dict[int, list[Observation]] = {}
    for o in observations:
        seconds.setdefault(int(o.at - origin), []).append(o)
    rows = []
    for second in sorted(seconds):
        group = seconds[second]
        answered = sorted(o.latency_ms for o in group if o.status is not None)
        p50 = _quantile(answered, 0.5)
        p95 = _quantile(answered, 0.95)
        errors = 100.0 * sum(o.failed for o in group) / len(group)
        rows.append((float(second), p50, p95, errors))
    return rows


def _quantile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    index = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[index]


@dataclass(frozen=True)
class Judgement:
    status: Status
    summary: str
    findings: list[Finding]
    measurements: list[Measurement]
    phases: list[PhaseVerdict]


def judge(
    title: str,
    checks: Sequence[Check],
    marks: Marks,
    *,
    ending: Literal["done", "aborted", "stopped", "not_started"],
    reasons: Sequence[str] = (),
    budget: Budget | None = None,
    recovery_s: float = 60.0,
    service: str | None = None,
    not_undone: Sequence[str] = (),
) -> Judgement:
    """The step's status, summary, findings and measurements from what the runner recorded.

    `ending`: how the method ended (`not_started`: the steady state did not hold before any
    fault); `reasons`: why it was aborted or stopped; `not_undone`: rollbacks that failed.
    """
    phases = [phase_verdict(checks, p) for p in PHASES]
    before, during, after = phases
    detect = time_to_detect(checks, marks)
    recover = time_to_recover(checks, marks)
    findings: list[Finding] = []
    measurements: list[Measurement] = []
    if detect is not None:
        measurements.append(Measurement(name="time_to_detect_s", value=round(detect, 2), unit="s"))
    if recover is not None:
        measurements.append(
            Measurement(name="time_to_recover_s", value=round(recover, 2), unit="s")
        )
    if budget is not None and budget.burned_pct is not None:
        measurements += [
            Measurement(name="requests", value=budget.requests),
            Measurement(name="failed_requests", value=budget.failed),
            Measurement(
                name="error_budget_burned_pct", value=round(budget.burned_pct, 1), unit="%"
            ),
        ]
        if budget.burned_pct > 100:
            findings.append(
                Finding(
                    severity=Severity.MEDIUM,
                    title=f"{title}: burned {budget.burned_pct:.0f}% of its error budget",
                    evidence=f"{budget.failed} of {budget.requests} requests failed; the budget "
                    f"allows {budget.allowed_share:.2%}",
                    service=service,
                )
            )
    phase_text = "; ".join(p.text() for p in phases)
    if ending == "not_started":
        summary = (
            f"{title}: steady state not met before any fault, nothing injected ({before.text()})"
        )
        return Judgement(Status.ERROR, summary, findings, measurements, phases)
    status = Status.PASS
    if ending == "aborted":
        status = Status.FAIL
        findings.append(
            Finding(
                severity=Severity.HIGH,
                title=f"{title}: aborted by its guard",
                evidence="; ".join(reasons),
                service=service,
            )
        )
    if during.held is False:
        status = Status.FAIL
        findings.append(
            Finding(
                severity=Severity.HIGH,
                title=f"{title}: the steady state broke during the faults",
                evidence="; ".join(during.broken[:5]),
                service=service,
            )
        )
    if recover is None and after.held is not True:
        status = Status.FAIL
        findings.append(
            Finding(
                severity=Severity.CRITICAL,
                title=f"{title}: did not recover within {recovery_s:g}s of the rollbacks",
                evidence="; ".join(after.broken[:5]) or "no check held after the rollbacks",
                service=service,
            )
        )
    if not_undone:
        status = Status.FAIL
        findings.append(
            Finding(
                severity=Severity.CRITICAL,
                title=f"{title}: rollback incomplete, retried at the next start of preprod",
                evidence="; ".join(not_undone),
                service=service,
            )
        )
    if ending == "stopped" and status == Status.PASS:
        status = Status.WARN
    if status == Status.PASS and findings:
        status = Status.WARN
    timing = []
    if detect is not None:
        timing.append(f"detected after {detect:.1f}s")
    if recover is not None and (during.held is False or ending == "aborted"):
        timing.append(f"recovered {recover:.1f}s after the rollbacks")
    if budget is not None and budget.burned_pct is not None:
        timing.append(f"error budget burned {budget.burned_pct:.0f}%")
    head = {
        "done": "hypothesis held" if status == Status.PASS else "resilience fell short",
        "aborted": "aborted",
        "stopped": "stopped by the kill switch (" + "; ".join(reasons) + ")",
    }[ending]
    summary = f"{title}: {head}; {phase_text}" + (f"; {', '.join(timing)}" if timing else "")
    return Judgement(status, summary, findings, measurements, phases)


def impact(observations: Sequence[Observation], marks: Marks, origin: float) -> list[Measurement]:
    """What users saw before, during and after the faults: p50 and p95 latency, error rate."""
    injected = marks.injected_at
    removed = marks.removed_at or marks.ended_at
    if injected is None or removed is None:
        spans = {"before": (origin, float("inf"))}
    else:
        spans = {
            "before": (origin, injected),
            "during": (injected, removed),
            "after": (removed, float("inf")),
        }
    found = []
    for phase, (start, end) in spans.items():
        window = [o for o in observations if start <= o.at < end]
        if not window:
            continue
        answered = sorted(o.latency_ms for o in window if o.status is not None)
        for name, q in (("traffic_p50_ms", 0.5), ("traffic_p95_ms", 0.95)):
            value = _quantile(answered, q)
            if value is not None:
                found.append(
                    Measurement(name=name, value=round(value, 1), unit="ms", tags={"phase": phase})
                )
        errors = 100.0 * sum(o.failed for o in window) / len(window)
        found.append(
            Measurement(
                name="traffic_error_rate_pct",
                value=round(errors, 2),
                unit="%",
                tags={"phase": phase},
            )
        )
    return found
