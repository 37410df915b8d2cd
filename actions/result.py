"""The Result every action returns, with its findings, measurements and artifacts."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Status(StrEnum):
    """Outcome of a step. Ordered from best to worst by `rank`."""

    PASS = "pass"
    WARN = "warn"
    SKIPPED = "skipped"
    FAIL = "fail"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return ["pass", "skipped", "warn", "fail", "error"].index(self.value)


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return ["info", "low", "medium", "high", "critical"].index(self.value)


def fingerprint(*parts: str) -> str:
    """A stable short id for a finding, from the parts that identify it."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Finding(BaseModel):
    """Something a step found that a person should know about."""

    severity: Severity
    title: str
    evidence: str = ""
    fingerprint: str = ""
    service: str | None = None

    def model_post_init(self, __context: Any) -> None:
        if not self.fingerprint:
            self.fingerprint = fingerprint(self.service or "", self.title)


class Measurement(BaseModel):
    """A number a step measured, with its baseline where there is one."""

    name: str
    value: float
    unit: str = ""
    baseline: float | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class Artifact(BaseModel):
    """A file a step produced (JUnit XML, CSV, report, chart, log)."""

    name: str
    path: str
    kind: str = "file"


class Result(BaseModel):
    """What one step of a run produced, with its evidence."""

    step: str
    status: Status
    summary: str
    findings: list[Finding] = Field(default_factory=list)
    measurements: list[Measurement] = Field(default_factory=list)
    artifacts: list[Artifact] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime = Field(default_factory=utcnow)

    def measurement(self, name: str, **tags: str) -> Measurement | None:
        """The first measurement with this name whose tags include `tags`."""
        for m in self.measurements:
            if m.name == name and all(m.tags.get(k) == v for k, v in tags.items()):
                return m
        return None

    @property
    def duration_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()
