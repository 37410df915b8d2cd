"""Filing a run's findings: triage each, file those at or above `file_from`, report what happened.

The plan step calls `file_findings`; the tracker decides whether a finding opens a defect or
counts one more occurrence of an open one (same fingerprint). Given a store, filing is written to
the audit log before (`started`) and after (`done` or `failed`). Given a suggester, an LLM's
severity for each draft is added to what is filed, marked as such; the rules' severity stands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from actions.defects.audit_trail import Trail, plain_reason
from actions.defects.config import DefectsConfig, DefectSeverity
from actions.defects.suggest import Suggestion, TriageSuggester
from actions.defects.tracker import DefectDraft, DefectTracker, Filed
from actions.defects.triage import should_file, summary_by_severity, triage
from actions.insight.llm import LlmUsage
from actions.insight.usage import record_usage
from actions.result import Finding, Result
from storage.store import Store

if TYPE_CHECKING:
    from actions.config import Settings


class FiledFinding(BaseModel):
    """One finding that reached the tracker."""

    fingerprint: str
    title: str
    step: str
    severity: DefectSeverity
    impact: str = ""
    key: str
    created: bool
    occurrences: int
    url: str | None = None
    suggestion: Suggestion | None = None  # an LLM's opinion, shown beside `severity`


class Skipped(BaseModel):
    """A finding not filed: below `file_from`, or `info`."""

    fingerprint: str
    title: str
    step: str
    severity: DefectSeverity | None


class FilingReport(BaseModel):
    """What filing a run's findings did."""

    tracker: str
    filed: list[FiledFinding] = Field(default_factory=list)  # opened a new defect
    matched: list[FiledFinding] = Field(default_factory=list)  # counted on an open defect
    skipped: list[Skipped] = Field(default_factory=list)
    by_severity: dict[str, int] = Field(default_factory=dict)  # filed and matched together
    llm: LlmUsage | None = None  # the suggestion call: its cost, or why there is none

    @property
    def summary(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in self.by_severity.items() if n) or "none"
        return (
            f"{len(self.filed)} defect(s) filed, {len(self.matched)} already open "
            f"({counts}); {len(self.skipped)} finding(s) below the threshold"
        )


def failed_key_steps(results: Sequence[Result], settings: Settings) -> set[str]:
    """The steps of the key SLOs that failed on these results (`load` for `load.p95_ms`)."""
    from actions.report.gate import find_measurement, score_objective

    failed = set()
    for slo in settings.slos:
        if slo.key and score_objective(slo, find_measurement(list(results), slo)).status == "fail":
            failed.add(slo.metric.partition(".")[0])
    return failed


def draft_for(
    finding: Finding,
    result: Result,
    *,
    severity: DefectSeverity,
    impact: str,
    run: Mapping[str, Any],
    run_url: str | None,
    config: DefectsConfig,
) -> DefectDraft:
    """The draft of one finding of one step of a run (the tracker redacts what it sends)."""
    component = None
    if config.jira is not None and finding.service:
        component = config.jira.components.get(finding.service)
    return DefectDraft(
        fingerprint=finding.fingerprint,
        title=finding.title,
        severity=severity,
        impact=impact,
        service=finding.service,
        component=component,
        labels=[f"step-{result.step}"],
        evidence=finding.evidence,
        step=result.step,
        app=run.get("app"),
        version=run.get("version"),
        run_id=run.get("id"),
        run_url=run_url,
    )


def file_findings(
    results: Sequence[Result],
    *,
    run: Mapping[str, Any],
    settings: Settings,
    tracker: DefectTracker,
    run_url: str | None = None,
    store: Store | None = None,
    suggester: TriageSuggester | None = None,
) -> FilingReport:
    """Triage every finding of the run's results and file those at or above `file_from`.

    `run`: the run's record (`id`, `app`, `version`). A finding seen twice in one run is filed
    once. Tracker failures propagate as `BackendUnavailable` / `EnvironmentFailure`, after the
    audit entry `failed` when a `store` is given.
    """
    report = FilingReport(tracker=tracker.name)
    drafts = _drafts(results, run=run, settings=settings, run_url=run_url, report=report)
    suggestions: dict[str, Suggestion] = {}
    if suggester is not None and drafts:
        outcome = suggester.suggest(drafts)
        suggestions = outcome.suggestions
        report.llm = LlmUsage.model_validate(outcome.model_dump(exclude={"suggestions"}))
        if store is not None:
            record_usage(store, run.get("id"), report.llm)
    args = [tracker.name, *(str(run[k]) for k in ("app", "version") if run.get(k))]
    log = Trail(store, "defects.file", args, run.get("id"))
    log.write(
        "started", f"{len(drafts)} finding(s) to file ({len(report.skipped)} below the threshold)"
    )
    try:
        for draft in drafts:
            suggestion = suggestions.get(draft.fingerprint)
            if suggestion is not None:
                draft = draft.model_copy(update={"suggestion": suggestion.line})
            filed = tracker.file(draft)
            entry = _entry(draft, filed, suggestion)
            (report.filed if filed.created else report.matched).append(entry)
    except Exception as exc:
        log.write("failed", f"{plain_reason(exc)}; before it: {_keys(report)}")
        raise
    report.by_severity = summary_by_severity([*report.filed, *report.matched])
    log.write("done", _keys(report))
    return report


def _drafts(
    results: Sequence[Result],
    *,
    run: Mapping[str, Any],
    settings: Settings,
    run_url: str | None,
    report: FilingReport,
) -> list[DefectDraft]:
    """The drafts to file, triaged; what is not filed goes to `report.skipped`."""
    config = settings.defects
    key_steps = failed_key_steps(results, settings)
    drafts: list[DefectDraft] = []
    seen: set[str] = set()
    for result in results:
        for finding in result.findings:
            if finding.fingerprint in seen:
                continue
            seen.add(finding.fingerprint)
            decision = triage(finding, result, config.triage, failed_key_steps=key_steps)
            if decision.severity is None or not should_file(decision.severity, config.file_from):
                report.skipped.append(
                    Skipped(
                        fingerprint=finding.fingerprint,
                        title=finding.title,
                        step=result.step,
                        severity=decision.severity,
                    )
                )
                continue
            drafts.append(
                draft_for(
                    finding,
                    result,
                    severity=decision.severity,
                    impact=decision.impact,
                    run=run,
                    run_url=run_url,
                    config=config,
                )
            )
    return drafts


def _keys(report: FilingReport) -> str:
    filed = ", ".join(f.key for f in report.filed) or "none"
    matched = ", ".join(f.key for f in report.matched) or "none"
    return f"filed {filed}; matched {matched}"


def _entry(draft: DefectDraft, filed: Filed, suggestion: Suggestion | None) -> FiledFinding:
    return FiledFinding(
        fingerprint=draft.fingerprint,
        title=draft.title,
        step=draft.step or "",
        severity=draft.severity,
        impact=draft.impact,
        key=filed.key,
        created=filed.created,
        occurrences=filed.occurrences,
        url=filed.url,
        suggestion=suggestion,
    )
