"""The evidence of a run, numbered E1..En, most important first, redacted, cut to a budget. Pure.

Built from the run's results (failed and warned steps and their findings first, measurements
against their baseline as metric deltas), the mined log summary (templates, suspects, correlations
with events) and the run's events. Both analyzers read only this: the built-in one ranks causes from
it, an LLM gets it as a data block and must cite its ids.
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from actions.insight.redact import redact
from actions.result import Result, Status

EvidenceKind = Literal[
    "step", "finding", "measurement", "log_template", "suspect", "event", "metric_delta"
]
MAX_TITLE, MAX_TEXT = 160, 600  # characters; a long log line or traceback is cut after redaction
MIN_CHANGE_PCT = 10.0  # a metric closer than this to its baseline is noise, not evidence

_STEP_WEIGHT = {"error": 1.0, "fail": 0.95, "warn": 0.65, "skipped": 0.1, "pass": 0.1}
_SEVERITY_WEIGHT = {"critical": 0.9, "high": 0.8, "medium": 0.55, "low": 0.35, "info": 0.15}
_BAD_LEVELS = ("fatal", "critical", "error")


class EvidenceItem(BaseModel):
    """One numbered piece of evidence. `level`: a step's status, a finding's severity, the worst
    level of a log template, an event's kind; `related`: ids of other items it points to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    kind: EvidenceKind
    title: str
    text: str = ""
    service: str | None = None
    weight: float = Field(ge=0, le=1)
    step: str | None = None
    level: str | None = None
    at: str | None = None
    change_pct: float | None = None
    related: tuple[str, ...] = ()

    def tokens(self) -> int:
        """Its estimated size in a prompt (about four characters a token)."""
        return math.ceil(len(item_json(self)) / 4) + 1


class Evidence(BaseModel):
    """The items, most important first; `omitted`: how many did not fit the budget."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    items: tuple[EvidenceItem, ...] = ()
    omitted: int = 0

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(item.id for item in self.items)

    def get(self, item_id: str) -> EvidenceItem | None:
        return next((item for item in self.items if item.id == item_id), None)

    def tokens(self) -> int:
        return sum(item.tokens() for item in self.items)

    def within(self, budget_tokens: int) -> Evidence:
        """The most important items that fit `budget_tokens`; ids are kept, never renumbered."""
        kept, used = [], 0
        for item in self.items:
            if used + item.tokens() <= budget_tokens:
                kept.append(item)
                used += item.tokens()
        ids = {item.id for item in kept}
        kept = [i.model_copy(update={"related": _only(i.related, ids)}) for i in kept]
        return Evidence(items=tuple(kept), omitted=self.omitted + len(self.items) - len(kept))


def escape_markup(text: str) -> str:
    """`&`, `<` and `>` as JSON escapes: a text can then neither open nor close a tag."""
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def item_json(item: EvidenceItem) -> str:
    """One item as a line of JSON, markup escaped: no text can close the evidence block."""
    data = item.model_dump(exclude_defaults=True)
    data["weight"] = round(item.weight, 2)
    return escape_markup(json.dumps(data, ensure_ascii=False))


def evidence_block(evidence: Evidence) -> str:
    """The items as JSON lines, for the inside of an `<evidence>` block."""
    return "\n".join(item_json(item) for item in evidence.items)


def build_evidence(
    results: list[Result],
    *,
    mined: dict[str, Any] | None,
    events: list[dict[str, Any]],
    budget_tokens: int,
) -> Evidence:
    """The run's evidence, most important first, numbered E1..En, fitting `budget_tokens`."""
    candidates = [
        *_steps(results),
        *_findings(results),
        *_measurements(results),
        *_log_summary(mined or {}),
        *_events(events),
    ]
    order = sorted(range(len(candidates)), key=lambda i: (-candidates[i]["weight"], i))
    kept, used = [], 0
    for index in order:
        candidate = candidates[index]
        placeholders = tuple("E000" for _ in candidate.get("related", ()))
        size = EvidenceItem(id="E000", related=placeholders, **_fields(candidate)).tokens()
        if used + size <= budget_tokens:
            kept.append(candidate)
            used += size
    ids = {c["key"]: f"E{n}" for n, c in enumerate(kept, start=1)}
    items = [
        EvidenceItem(
            id=ids[c["key"]],
            related=tuple(ids[k] for k in c.get("related", ()) if k in ids),
            **_fields(c),
        )
        for c in kept
    ]
    return Evidence(items=tuple(items), omitted=len(candidates) - len(kept))


def _fields(candidate: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in candidate.items() if k not in ("key", "related")}


def _only(ids: tuple[str, ...], kept: set[str]) -> tuple[str, ...]:
    return tuple(i for i in ids if i in kept)


def _clean(value: object, limit: int) -> str:
    """Redacted first, then cut: cutting first could leave half a secret the redactor misses."""
    text = redact(" ".join(str(value).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _item(key: str, kind: str, title: object, text: object = "", **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "key": key,
        "kind": kind,
        "title": _clean(title, MAX_TITLE),
        "text": _clean(text, MAX_TEXT),
    }
    for name in ("service", "step", "level", "at"):
        if extra.get(name) is not None:
            item[name] = _clean(extra.pop(name), MAX_TITLE)
    item.update(extra)
    item["weight"] = round(min(max(float(item["weight"]), 0.0), 1.0), 3)
    return item


def _steps(results: list[Result]) -> list[dict[str, Any]]:
    return [
        _item(
            f"step:{n}",
            "step",
            f"step {r.step}: {r.status.value}",
            r.summary,
            step=r.step,
            level=r.status.value,
            weight=_STEP_WEIGHT[r.status.value],
        )
        for n, r in enumerate(results)
    ]


def _findings(results: list[Result]) -> list[dict[str, Any]]:
    found = []
    for n, r in enumerate(results):
        bonus = 0.05 if r.status in (Status.FAIL, Status.ERROR) else 0.0
        for m, f in enumerate(r.findings):
            weight = _SEVERITY_WEIGHT[f.severity.value] + bonus
            found.append(
                _item(
                    f"finding:{n}:{m}",
                    "finding",
                    f.title,
                    f.evidence,
                    service=f.service,
                    step=r.step,
                    level=f.severity.value,
                    weight=weight,
                )
            )
    return found


def change_pct(value: float, baseline: float) -> float:
    """How far `value` is from `baseline`, in percent of it (±100 from a zero baseline)."""
    if baseline == 0:
        return 0.0 if value == 0 else math.copysign(100.0, value)
    return (value - baseline) / abs(baseline) * 100


def _measurements(results: list[Result]) -> list[dict[str, Any]]:
    found = []
    for n, r in enumerate(results):
        failing = r.status in (Status.WARN, Status.FAIL, Status.ERROR)
        for m, meas in enumerate(r.measurements):
            where = meas.tags.get("service") or meas.tags.get("endpoint")
            name = f"{r.step}.{meas.name}" + (f" [{where}]" if where else "")
            service = meas.tags.get("service") or (where if r.step == "analyze" else None)
            key, value = f"measurement:{n}:{m}", f"{meas.value:g}{meas.unit}"
            common: dict[str, Any] = {"service": service, "step": r.step}
            if meas.baseline is None:
                if failing:  # what a failing step measured, without a baseline to compare
                    found.append(
                        _item(key, "measurement", f"{name}: {value}", weight=0.2, **common)
                    )
                continue
            change = change_pct(meas.value, meas.baseline)
            if abs(change) < MIN_CHANGE_PCT:
                continue
            title = (
                f"{name}: {value} against baseline {meas.baseline:g}{meas.unit} ({change:+.0f}%)"
            )
            weight = 0.3 + 0.45 * min(abs(change) / 100, 1.0) + (0.1 if failing else 0.0)
            delta = round(change, 1)
            found.append(
                _item(key, "metric_delta", title, weight=weight, change_pct=delta, **common)
            )
    return found


def _levels(levels: Any) -> list[str]:
    if isinstance(levels, dict):
        return [str(k).lower() for k in levels]
    if isinstance(levels, list | tuple):
        return [str(v).lower() for v in levels]
    return [str(levels).lower()] if levels else []


def _levels_text(levels: Any) -> str:
    if isinstance(levels, dict):
        return ", ".join(f"{k} {v}" for k, v in levels.items()) or "-"
    return ", ".join(_levels(levels)) or "-"


def _log_summary(mined: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for t in mined.get("templates") or []:
        levels = _levels(t.get("levels"))
        services = [str(s) for s in t.get("services") or []]
        worst = next((lv for lv in _BAD_LEVELS if lv in levels), None)
        if worst is None and any(lv.startswith("warn") for lv in levels):
            worst = "warning"
        base = 0.7 if worst in _BAD_LEVELS else 0.45 if worst else 0.2
        count = int(t.get("count") or 0)
        text = (
            f"count {count}; first {t.get('first_at')}; last {t.get('last_at')}; "
            f"levels {_levels_text(t.get('levels'))}; services {', '.join(services) or '-'}; "
            f"example: {t.get('example', '')}"
        )
        found.append(
            _item(
                f"template:{t.get('id')}",
                "log_template",
                f"log template {t.get('id')} ×{count}: {t.get('template', '')}",
                text,
                service=services[0] if len(services) == 1 else None,
                level=worst or (levels[0] if levels else None),
                at=t.get("first_at"),
                weight=base + 0.1 * min(count / 100, 1.0),
            )
        )
    suspects = mined.get("suspects") or []
    top = max((float(s.get("score") or 0) for s in suspects), default=0.0) or 1.0
    for n, s in enumerate(suspects):
        score = float(s.get("score") or 0)
        found.append(
            _item(
                f"suspect:{n}",
                "suspect",
                f"suspect {s.get('kind')} {s.get('name')} (score {score:g})",
                "; ".join(str(e) for e in s.get("evidence") or []),
                service=s.get("name") if s.get("kind") == "service" else None,
                weight=0.55 + 0.35 * max(score, 0.0) / top,
            )
        )
    for n, c in enumerate(mined.get("correlations") or []):
        template_ids = [str(i) for i in c.get("template_ids") or []]
        found.append(
            _item(
                f"correlation:{n}",
                "event",
                f"{c.get('event')} at {c.get('at')} coincides with log templates "
                f"{', '.join(template_ids) or '-'}",
                c.get("note", ""),
                level="correlation",
                at=c.get("at"),
                weight=0.6,
                related=[f"template:{i}" for i in template_ids],
            )
        )
    return found


def _event_weight(kind: str) -> float:
    kind = kind.lower()
    if any(word in kind for word in ("rollback", "policy", "error", "fail")):
        return 0.5
    return 0.45 if "warn" in kind else 0.15


def _events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        _item(
            f"event:{n}",
            "event",
            f"{e.get('kind', 'event')} at {e.get('at')}",
            e.get("message", ""),
            level=str(e.get("kind", "event")),
            at=e.get("at"),
            weight=_event_weight(str(e.get("kind", ""))),
        )
        for n, e in enumerate(events)
    ]
