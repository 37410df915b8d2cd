"""What an analysis says, and the built-in analyzer that says it from the evidence alone. Pure.

`Analysis` has no verdict and no approval: whatever drafts it (an LLM, or `builtin_analysis`), it
explains a run, it never decides one. Every cause cites evidence ids that must exist.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from actions.insight.evidence import Evidence, EvidenceItem

Confidence = Literal["low", "medium", "high"]
MAX_CAUSES, MAX_CHECKS = 5, 5


class Cause(BaseModel):
    """A possible cause of what went wrong, with the evidence that points at it."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=400)
    service: str | None
    evidence: list[str] = Field(min_length=1, max_length=12)
    likelihood: float = Field(ge=0, le=1)


class Analysis(BaseModel):
    """Why a run went the way it did. `source` says who drafted it; the code sets it, never a
    model."""

    model_config = ConfigDict(extra="forbid")

    summary: str = Field(min_length=1, max_length=3000)
    causes: list[Cause] = Field(max_length=10)
    confidence: Confidence
    next_checks: list[str] = Field(max_length=10)
    source: Literal["llm", "built-in"]


_CAUSE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "service", "evidence", "likelihood"],
    "properties": {
        "title": {"type": "string"},
        "service": {"type": ["string", "null"]},
        "evidence": {"type": "array", "items": {"type": "string", "pattern": "^E[0-9]+$"}},
        "likelihood": {"type": "number", "minimum": 0, "maximum": 1},
    },
}

ANALYSIS_SCHEMA: dict[str, Any] = {
    "name": "analysis",
    "strict": True,
    "schema": {
        "type": "object",
        "additionalProperties": False,
        "required": ["summary", "causes", "confidence", "next_checks"],
        "properties": {
            "summary": {"type": "string"},
            "causes": {"type": "array", "items": _CAUSE_SCHEMA},
            "confidence": {"type": "string", "enum": ["low", "medium", "high"]},
            "next_checks": {"type": "array", "items": {"type": "string"}},
        },
    },
}
"""`response_format={"type": "json_schema", "json_schema": ANALYSIS_SCHEMA}`: an `Analysis`
without `source`, which the code sets."""


def unknown_references(analysis: Analysis, evidence: Evidence) -> list[str]:
    """The evidence ids the analysis cites that are not in `evidence`, in citation order."""
    known, unknown = evidence.ids, []
    for cause in analysis.causes:
        unknown += [ref for ref in cause.evidence if ref not in known and ref not in unknown]
    return unknown


def builtin_analysis(evidence: Evidence) -> Analysis:
    """Ranked causes from the evidence, each citing its items; the same evidence, the same text."""
    causes = _rank(_candidate_causes(evidence))[:MAX_CAUSES]
    return Analysis(
        summary=_summary(evidence, causes),
        causes=causes,
        confidence=_confidence(evidence, causes),
        next_checks=_next_checks(evidence, causes),
        source="built-in",
    )


def _failing_steps(evidence: Evidence) -> list[EvidenceItem]:
    return [i for i in evidence.items if i.kind == "step" and i.level in ("fail", "error", "warn")]


def _candidate_causes(evidence: Evidence) -> list[Cause]:
    items = evidence.items
    causes: list[Cause] = []
    failing = _failing_steps(evidence)
    for step in failing:
        findings = [i for i in items if i.kind == "finding" and i.step == step.step]
        deltas = [i for i in items if i.kind == "metric_delta" and i.step == step.step]
        service = _main_service(findings + deltas)
        logs = [i for i in items if i.kind in ("log_template", "suspect") and _bad_log(i)]
        logs = [i for i in logs if service and i.service == service]
        cited = [step, *findings[:3], *deltas[:2], *logs[:2]]
        detail = findings[0].title if findings else step.text or step.title
        causes.append(_cause(f"{step.step} {step.level}: {detail}", service, cited))
    covered = {s.step for s in failing}
    for item in items:
        if item.kind == "finding" and item.step not in covered and item.level in _SERIOUS:
            causes.append(_cause(item.title, item.service, [item]))
        elif item.kind == "suspect":
            related = [
                i
                for i in items
                if i.kind in ("log_template", "metric_delta")
                and item.service
                and i.service == item.service
            ]
            first = item.text.split("; ")[0]
            title = item.title + (f": {first}" if first else "")
            causes.append(_cause(title, item.service, [item, *related[:2]]))
        elif item.kind == "event" and item.level == "correlation":
            related = [i for i in items if i.id in item.related]
            causes.append(_cause(item.title, _main_service(related), [item, *related[:3]]))
    already = {ref for cause in causes for ref in cause.evidence}
    for item in items:
        big_rise = item.kind == "metric_delta" and (item.change_pct or 0) >= 50
        if item.id not in already and (
            big_rise or (item.kind == "log_template" and _bad_log(item))
        ):
            causes.append(_cause(item.title, item.service, [item]))
    return causes


_SERIOUS = ("critical", "high")


def _bad_log(item: EvidenceItem) -> bool:
    return item.kind == "suspect" or item.level in ("fatal", "critical", "error")


def _main_service(items: list[EvidenceItem]) -> str | None:
    counts = Counter(i.service for i in items if i.service)
    return counts.most_common(1)[0][0] if counts else None


def _cause(title: str, service: str | None, cited: list[EvidenceItem]) -> Cause:
    """A cause whose likelihood grows with its strongest item and with corroboration."""
    ids = list(dict.fromkeys(i.id for i in cited))
    kinds = {i.kind for i in cited}
    likelihood = 0.75 * max(i.weight for i in cited) + 0.05 * (len(ids) - 1) + 0.05 * len(kinds)
    return Cause(
        title=title[:400], service=service, evidence=ids, likelihood=round(min(likelihood, 0.95), 2)
    )


def _rank(causes: list[Cause]) -> list[Cause]:
    unique = {tuple(c.evidence): c for c in reversed(causes)}  # the first of duplicates wins
    return sorted(unique.values(), key=lambda c: (-c.likelihood, _number(c.evidence[0]), c.title))


def _number(ref: str) -> int:
    return int(ref[1:]) if ref[1:].isdigit() else 0


def _confidence(evidence: Evidence, causes: list[Cause]) -> Confidence:
    if not causes:
        return "low"
    top = causes[0]
    kinds = {item.kind for ref in top.evidence if (item := evidence.get(ref))}
    if len(top.evidence) >= 3 and len(kinds) >= 2:
        return "high"
    return "medium" if len(top.evidence) >= 2 or _failing_steps(evidence) else "low"


def _summary(evidence: Evidence, causes: list[Cause]) -> str:
    if not evidence.items:
        return "No evidence was collected for this run, so there is nothing to analyse."
    failing = _failing_steps(evidence)
    parts = [
        "Steps not passing: " + ", ".join(f"{s.step} ({s.level})" for s in failing) + "."
        if failing
        else "No step failed or warned."
    ]
    if causes:
        top = causes[0]
        parts.append(f"Most likely cause: {top.title} ({', '.join(top.evidence)}).")
        if len(causes) > 1:
            others = "; ".join(f"{c.title} ({', '.join(c.evidence)})" for c in causes[1:3])
            parts.append(f"Also possible: {others}.")
    else:
        parts.append("No cause stands out in the evidence.")
    if evidence.omitted:
        parts.append(f"{evidence.omitted} less important items did not fit and were left out.")
    return " ".join(parts)


def _next_checks(evidence: Evidence, causes: list[Cause]) -> list[str]:
    checks: list[str] = []
    read: set[str] = set()  # services whose logs are already suggested
    for cause in causes:
        first = evidence.get(cause.evidence[0])
        if first is None:
            continue
        if first.kind == "step" and first.step == "e2e":
            checks.append(f"Re-run the failing e2e tests and read their output ({first.id}).")
        elif first.kind == "step":
            checks.append(f"Open the {first.step} step's details and artifacts ({first.id}).")
        elif first.kind == "metric_delta":
            checks.append(
                f"Compare {first.title.split(':')[0]} with the baseline run ({first.id})."
            )
        elif first.kind == "event":
            checks.append(f"Check what changed at {first.at or 'that moment'} ({first.id}).")
        if cause.service and cause.service not in read:
            read.add(cause.service)
            checks.append(f"Read the logs of {cause.service} around the failure ({first.id}).")
    return checks[:MAX_CHECKS]


# --- the readiness report's narrative ---

VERDICTS = ("go", "go with risk", "no-go")
_STATED = {
    "no-go": re.compile(r"\bno[\s-]?go\b", re.I),
    "go with risk": re.compile(r"\bgo[\s-]+with[\s-]+(?:\w+[\s-]+)?risks?\b", re.I),
    # "go" as a verdict ends a phrase ("the verdict is go.", "ready to go"), unlike "go live"
    "go": re.compile(r"(?<![\w-])(?<!no )go(?![\s-]+with\b)(?=[\s*_`'\")]*(?:[.,;:!?]|$))", re.I),
}
_APPROVING = re.compile(
    r"\b(?:approved?|ship it|good to go|ready for production|safe to (?:ship|release|deploy))\b",
    re.I,
)
_BLOCKING = re.compile(
    r"\b(?:do not|don't|must not|cannot|can't) (?:ship|release|deploy|be released)\b"
    r"|\bnot ready for production\b|\brelease is blocked\b",
    re.I,
)


def contradicts_verdict(text: str, verdict: str) -> str | None:
    """Why `text` contradicts `verdict` (another verdict stated, approval of a no-go, blocking of
    a go), or None when it does not."""
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}; verdicts are {', '.join(VERDICTS)}")
    stated = [v for v, pattern in _STATED.items() if v != verdict and pattern.search(text)]
    if stated:
        return f"the draft states {' and '.join(stated)} but the verdict is {verdict}"
    if verdict == "no-go" and (match := _APPROVING.search(text)):
        return f"the draft approves ({match.group(0)!r}) but the verdict is no-go"
    if verdict != "no-go" and (match := _BLOCKING.search(text)):
        return f"the draft blocks the release ({match.group(0)!r}) but the verdict is {verdict}"
    return None


def builtin_summary(verdict: str, reasons: list[str], evidence: Evidence) -> str:
    """The report's narrative from the structured results: three or four plain sentences."""
    contradicts_verdict("", verdict)  # an unknown verdict is a bug
    analysis = builtin_analysis(evidence)
    sentences = [f"The verdict is {verdict}."]
    sentences.append(
        "It rests on: " + "; ".join(r.rstrip(".") for r in reasons[:3]) + "."
        if reasons
        else "No objective or step stood against the release."
    )
    failing = _failing_steps(evidence)
    sentences.append(
        "Steps not passing: " + ", ".join(f"{s.step} ({s.level})" for s in failing) + "."
        if failing
        else "Every step passed."
    )
    if analysis.causes and verdict != "go":
        top = analysis.causes[0]
        sentences.append(f"The evidence points first at {top.title} ({', '.join(top.evidence)}).")
    return " ".join(sentences)
