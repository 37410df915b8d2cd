"""Insight on one run: its services' logs mined, its evidence analysed, its report narrated.

Glue between the pure parts (mining, evidence, built-in analysis) and the analyst (an LLM or
the built-in one). Every LLM call of a run is recorded with its tokens and cost. Nothing here
acts on what an analyst says: the verdict is the gate's; analyses and narratives are text.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from actions.config import Settings
from actions.environments.base import Environment
from actions.insight.evidence import Evidence, build_evidence
from actions.insight.focus import focus
from actions.insight.llm import LlmOutcome, SummaryOutcome, make_analyst
from actions.insight.mining import LogRecord, mine_records, parse_line
from actions.insight.redact import redact
from actions.insight.usage import record_usage
from actions.report import baseline
from actions.report.comparison import baseline_table
from actions.result import Result
from storage import runs
from storage.store import Store

log = logging.getLogger(__name__)

LOG_TAIL = 5000  # lines of each service's log that are mined
DEFAULT_BUDGET = 6000
# Steps whose start changes what the services see (a deploy, traffic, faults, data).
ACTING_STEPS = ("deploy", "rollback", "load", "chaos", "seed")


def run_events(store: Store, run_id: int) -> list[dict[str, Any]]:
    """The run's events that may explain what the services did: acting steps starting, chaos
    faults applied and removed, warnings (policies, early warnings), approvals. Progress lines
    and the bookkeeping of every step (started, finished) would only add noise."""
    kept = []
    for event in runs.events_of(store, run_id):
        kind, message = event["kind"], event["message"]
        acting = kind == "step_started" and (event.get("step") or "") in ACTING_STEPS
        if acting or kind in ("warning", "chaos", "approval_needed"):
            kept.append({"at": event["at"], "kind": kind, "message": message})
    return kept


def mine_service_logs(
    env: Environment, services: Sequence[str], events: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any] | None:
    """The mined summary of what the services logged (their latest lines); None without logs.

    Lines that name no service are its own, so suspects and counts can name it. Examples and
    evidence are redacted here, before the summary is stored or sent anywhere.
    """
    records: list[LogRecord] = []
    for service in services:
        try:
            got = env.logs(service, tail=LOG_TAIL)
        except Exception as exc:  # a service without logs is not a reason to fail the run
            log.info("no logs of %s: %s", service, exc)
            continue
        records += [parse_line(line, service=service) for line in got]
    if not records:
        return None
    return _redacted(mine_records(records, events=list(events)).to_dict())


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    return value


def budget(settings: Settings) -> int:
    llm = settings.insight.llm
    return llm.input_budget_tokens if llm else DEFAULT_BUDGET


def run_evidence(settings: Settings, store: Store, run_id: int) -> Evidence:
    """Everything stored about a run, as numbered evidence within the analyst's budget."""
    bodies = runs.results_of(store, run_id)
    results = [Result.model_validate(body) for body in bodies if body["step"] != "report"]
    mined = next((b.get("data", {}).get("mined") for b in bodies if b["step"] == "report"), None)
    run = runs.get_run(store, run_id) or {}
    if run.get("app"):  # measurements against the baseline: what changed
        table = baseline_table(store, settings.gate, run["app"], run.get("baseline"), run_id)
        results = baseline.with_baseline(results, table)
    events = run_events(store, run_id)
    return build_evidence(results, mined=mined, events=events, budget_tokens=budget(settings))


@dataclass(frozen=True)
class Answer:
    outcome: LlmOutcome
    evidence: Evidence


def analyse_run(
    settings: Settings,
    store: Store,
    run_id: int,
    question: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Answer:
    """Why the run went as it did (or an answer to `question`), from its evidence only."""
    evidence = run_evidence(settings, store, run_id)
    if question:
        evidence = focus(evidence, question)
    analyst = make_analyst(settings.insight, os.environ if environ is None else environ)
    outcome = analyst.analyse(evidence, question=redact(question) if question else None)
    record_usage(store, run_id, outcome)
    return Answer(outcome, evidence)


def narrate(
    settings: Settings,
    store: Store,
    run_id: int,
    results: list[Result],
    *,
    verdict: str,
    reasons: list[str],
    mined: dict[str, Any] | None,
    events: list[dict[str, Any]],
    environ: Mapping[str, str] | None = None,
) -> SummaryOutcome:
    """The report's summary paragraph; it restates the gate's verdict, never another one."""
    evidence = build_evidence(results, mined=mined, events=events, budget_tokens=budget(settings))
    analyst = make_analyst(settings.insight, os.environ if environ is None else environ)
    outcome = analyst.draft_summary(evidence, verdict=verdict, reasons=reasons)
    record_usage(store, run_id, outcome)
    return outcome


def answer_text(answer: Answer) -> str:
    """An analysis for people: summary, causes with their evidence quoted, next checks."""
    analysis = answer.outcome.analysis
    who = (
        f"drafted by an LLM ({answer.outcome.model})"
        if analysis.source == "llm"
        else "built-in analysis"
    )
    if answer.outcome.fallback_reason:
        who += f"; the LLM was not used: {answer.outcome.fallback_reason}"
    lines = [analysis.summary, ""]
    for n, cause in enumerate(analysis.causes, 1):
        where = f" [{cause.service}]" if cause.service else ""
        lines.append(f"{n}. {cause.title}{where} (likelihood {cause.likelihood:.0%})")
        for ref in cause.evidence[:3]:
            item = answer.evidence.get(ref)
            if item is not None:
                lines.append(
                    f"   {ref}: {item.title}" + (f": {item.text[:200]}" if item.text else "")
                )
    if analysis.next_checks:
        lines += ["", "next checks:"] + [f"• {check}" for check in analysis.next_checks]
    lines += ["", f"confidence {analysis.confidence}; {who}"]
    return "\n".join(lines)
