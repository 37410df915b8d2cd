"""Triage: which severity and impact a finding gets when filed, from the config's rules. Pure.

The first rule whose every condition holds decides; with none, the finding's own severity carries
over (critical -> critical, high -> high, ...), and an `info` finding is not a defect at all.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from actions.defects.config import DEFECT_SEVERITIES, DefectSeverity, TriageRule, severity_rank
from actions.result import Finding, Result, Severity

_DEFAULT: dict[Severity, DefectSeverity] = {
    Severity.CRITICAL: "critical",
    Severity.HIGH: "high",
    Severity.MEDIUM: "medium",
    Severity.LOW: "low",
}


@dataclass(frozen=True)
class Triage:
    """The decision on one finding: `severity` None is no defect; `rule` the index that decided."""

    severity: DefectSeverity | None
    impact: str
    rule: int | None


def matches(
    rule: TriageRule, finding: Finding, result: Result, failed_key_steps: Collection[str] = ()
) -> bool:
    """Whether every condition of the rule holds for this finding of this result."""
    when = rule.when
    if when.step is not None and when.step != result.step:
        return False
    if when.service is not None and when.service != finding.service:
        return False
    if when.finding_severity is not None and when.finding_severity != finding.severity.value:
        return False
    if when.title_contains is not None and when.title_contains.lower() not in finding.title.lower():
        return False
    return when.key_slo is None or when.key_slo == (result.step in failed_key_steps)


def triage(
    finding: Finding,
    result: Result,
    rules: Iterable[TriageRule],
    *,
    failed_key_steps: Collection[str] = (),
) -> Triage:
    """Severity and impact of a finding: the first matching rule's, else its own severity.

    `failed_key_steps`: the steps whose key SLOs failed in this run (`load` for `load.p95_ms`),
    which `key_slo: true` matches.
    """
    for index, rule in enumerate(rules):
        if matches(rule, finding, result, failed_key_steps):
            return Triage(rule.severity, rule.impact, index)
    return Triage(_DEFAULT.get(finding.severity), "", None)


def should_file(severity: DefectSeverity | None, file_from: str) -> bool:
    """Whether a triaged severity reaches the configured threshold (`file_from`)."""
    return severity is not None and severity_rank(severity) >= severity_rank(file_from)


def summary_by_severity(defects: Iterable[object]) -> dict[str, int]:
    """How many defects of each severity, worst first; every severity present (zero if none).

    Takes anything with a `severity` attribute or key (a `Defect`, a `DefectDraft`, a row).
    """
    counts: dict[str, int] = dict.fromkeys(DEFECT_SEVERITIES, 0)
    for defect in defects:
        severity = (
            defect.get("severity")
            if isinstance(defect, dict)
            else getattr(defect, "severity", None)
        )
        if severity in counts:
            counts[severity] += 1
    return counts
