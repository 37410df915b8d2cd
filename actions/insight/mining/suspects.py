"""Ranked suspects behind a log's failures: services, endpoints and exceptions. Pure.

Every failing line (error or critical, or carrying an exception) is a lead for its service, its
endpoint and its exception type. A suspect's score is its share of the failing lines, weighted by
kind (a service is what a person acts on: rolls back, pages the owner of; an endpoint narrows it
down; an exception says what went wrong and is evidence for both) and, when the run's events are
known, by how many of its failures came within the window after one of them:

    score = kind weight × share of failing lines × (0.5 + 0.5 × share of them after an event)

Evidence: how many failing lines and after which event, then its templates with a quoted line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from actions.insight.mining.model import Suspect, SuspectKind
from actions.insight.mining.parse import LogRecord

KIND_WEIGHT: dict[SuspectKind, float] = {"service": 1.0, "endpoint": 0.9, "exception": 0.8}
MAX_SUSPECTS = 10
TEMPLATES_SHOWN = 3
QUOTE_CHARS = 120


@dataclass
class _Lead:
    errors: int = 0
    after_event: Counter[str] = field(default_factory=Counter)
    templates: Counter[int] = field(default_factory=Counter)
    examples: dict[int, str] = field(default_factory=dict)


class SuspectBoard:
    """The leads of failing lines, fed one line at a time, ranked at the end."""

    def __init__(self) -> None:
        self._leads: dict[tuple[SuspectKind, str], _Lead] = {}
        self.failing_lines = 0

    def add(self, record: LogRecord, cid: int, after: str | None) -> None:
        """Count a failing line (`after`: the event it follows within the window, if any)."""
        self.failing_lines += 1
        names: tuple[tuple[SuspectKind, str | None], ...] = (
            ("service", record.service),
            ("endpoint", record.endpoint),
            ("exception", record.exception),
        )
        for kind, name in names:
            if not name:
                continue
            lead = self._leads.get((kind, name))
            if lead is None:
                lead = self._leads[(kind, name)] = _Lead()
            lead.errors += 1
            lead.templates[cid] += 1
            if after is not None:
                lead.after_event[after] += 1
            if cid not in lead.examples:
                lead.examples[cid] = _quote(record.text)

    def ranked(
        self, final: Callable[[int], int], *, events_known: bool, window_s: float
    ) -> list[Suspect]:
        """The suspects, best first (at most `MAX_SUSPECTS`)."""
        if not self.failing_lines:
            return []
        found = []
        for (kind, name), lead in self._leads.items():
            share = lead.errors / self.failing_lines
            after = sum(lead.after_event.values())
            timing = 0.5 + 0.5 * after / lead.errors if events_known else 1.0
            score = round(KIND_WEIGHT[kind] * share * timing, 3)
            found.append(Suspect(kind, name, score, _evidence(lead, after, final, window_s)))
        order = list(KIND_WEIGHT)
        found.sort(key=lambda s: (-s.score, order.index(s.kind), s.name))
        return found[:MAX_SUSPECTS]


def _evidence(lead: _Lead, after: int, final: Callable[[int], int], window_s: float) -> list[str]:
    head = f"{lead.errors} failing line{'s' if lead.errors != 1 else ''}"
    if after:
        event, _ = lead.after_event.most_common(1)[0]
        head += f", {after} within {window_s:g} s after an event (mostly {event})"
    templates: Counter[int] = Counter()
    examples: dict[int, str] = {}
    for cid, n in lead.templates.items():
        tid = final(cid)
        templates[tid] += n
        examples.setdefault(tid, lead.examples[cid])
    lines = [head]
    for tid, n in templates.most_common(TEMPLATES_SHOWN):
        lines.append(f'template #{tid} ({n}×): "{examples[tid]}"')
    return lines


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= QUOTE_CHARS else flat[: QUOTE_CHARS - 1] + "…"
