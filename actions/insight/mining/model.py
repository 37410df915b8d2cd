"""What log mining returns: templates with their figures, suspects, a timeline, counts and
correlations with the run's events. `Mined.to_dict()` is the shape other modules code against:

    {"lines": int,
     "templates": [{"id", "template", "count", "first_at", "last_at", "levels": {level: n},
                    "services": {service: n}, "example"}],          most frequent first
     "suspects": [{"kind": "service"|"endpoint"|"exception", "name", "score", "evidence": [str]}],
     "timeline": [{"at", "template_id", "template", "level", "service"}],   first occurrences
     "counts": {"by_service": {..}, "by_level": {..}},      every line ("unknown" if unnamed)
     "correlations": [{"event", "at", "template_ids": [int], "note"}]}

Times are ISO 8601 texts (UTC as `Z`) or None. Per-line assignments are on `Mined`, not in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

SuspectKind = Literal["service", "endpoint", "exception"]


def iso(at: datetime | None) -> str | None:
    """`2024-05-01T12:00:00.123Z` (UTC shown as Z), or None."""
    if at is None:
        return None
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class TemplateStats:
    """One final template and what the lines it holds say."""

    id: int
    template: str
    count: int
    first_at: datetime | None
    last_at: datetime | None
    levels: dict[str, int]
    services: dict[str, int]
    example: str
    exceptions: dict[str, int] = field(default_factory=dict)
    failing_lines: int = 0

    @property
    def failing(self) -> bool:
        """An error cluster: some of its lines are errors (or worse) or carry an exception."""
        return self.failing_lines > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "template": self.template,
            "count": self.count,
            "first_at": iso(self.first_at),
            "last_at": iso(self.last_at),
            "levels": dict(self.levels),
            "services": dict(self.services),
            "example": self.example,
        }


@dataclass(frozen=True)
class Suspect:
    """A service, endpoint or exception behind the failures, with the evidence for it."""

    kind: SuspectKind
    name: str
    score: float
    evidence: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "score": self.score,
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class TimelineEntry:
    """The first occurrence of a template."""

    at: datetime | None
    template_id: int
    template: str
    level: str | None
    service: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": iso(self.at),
            "template_id": self.template_id,
            "template": self.template,
            "level": self.level,
            "service": self.service,
        }


@dataclass(frozen=True)
class Correlation:
    """What followed one of the run's events: new templates, an error burst."""

    event: str
    at: datetime
    template_ids: list[int]
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "at": iso(self.at),
            "template_ids": self.template_ids,
            "note": self.note,
        }


@dataclass(frozen=True)
class Mined:
    """Everything mined from a log; `assignments[i]` is the final template id of line i + 1."""

    lines: int
    templates: list[TemplateStats]
    assignments: Sequence[int]
    suspects: list[Suspect]
    timeline: list[TimelineEntry]
    by_service: dict[str, int]
    by_level: dict[str, int]
    correlations: list[Correlation]

    def template(self, template_id: int) -> TemplateStats:
        """The template with this id."""
        return next(t for t in self.templates if t.id == template_id)

    @property
    def error_templates(self) -> list[TemplateStats]:
        """The error clusters, most frequent first."""
        return [t for t in self.templates if t.failing]

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready), without the per-line assignments."""
        return {
            "lines": self.lines,
            "templates": [t.to_dict() for t in self.templates],
            "suspects": [s.to_dict() for s in self.suspects],
            "timeline": [e.to_dict() for e in self.timeline],
            "counts": {"by_service": dict(self.by_service), "by_level": dict(self.by_level)},
            "correlations": [c.to_dict() for c in self.correlations],
        }
