"""What one scanner found (`Issue`) and how it ended (`ScannerOutcome`). Pure data."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from actions.result import Artifact, Finding, Severity, fingerprint

EVIDENCE_CHARS = 2000


class ReportError(ValueError):
    """A tool's report could not be read."""


@dataclass(frozen=True)
class Issue:
    """One problem a scanner found, with where it is: `file:line` or a URL."""

    scanner: str
    rule: str
    severity: Severity
    message: str
    location: str
    evidence: str = ""
    service: str | None = None
    key: str = ""
    """What identifies the problem across runs; default: its location."""

    def finding(self) -> Finding:
        return Finding(
            severity=self.severity,
            title=f"{self.scanner}: {self.message} ({self.location})",
            evidence=self.evidence[:EVIDENCE_CHARS],
            fingerprint=fingerprint("scan", self.scanner, self.rule, self.key or self.location),
            service=self.service,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "scanner": self.scanner,
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "location": self.location,
            "service": self.service,
        }


class ScannerStatus(StrEnum):
    OK = "ok"
    NOTHING = "nothing to scan"
    """Nothing of its kind exists (no requirement file, no service URL): not a gap."""
    SKIPPED = "skipped"
    """It could not check what exists (no advisory database reachable): the step warns."""
    ERROR = "error"
    """It could not run (tool missing, timed out, unreadable output): the step errs."""


@dataclass(frozen=True)
class ScannerOutcome:
    """How one scanner ended: its issues, or why it could not say."""

    check: str
    tool: str
    status: ScannerStatus
    issues: list[Issue] = field(default_factory=list)
    reason: str = ""
    artifacts: list[Artifact] = field(default_factory=list)

    def counts(self) -> Counter[Severity]:
        return Counter(issue.severity for issue in self.issues)

    def describe(self) -> str:
        """`bandit: 2 high, 1 medium`, `pip-audit: skipped: no advisory database reachable`."""
        if self.status is ScannerStatus.OK:
            text = count_text(self.counts())
        else:
            text = f"{self.status.value}: {self.reason}" if self.reason else self.status.value
            if self.issues:
                text += f" (found so far: {count_text(self.counts())})"
        return f"{self.tool}: {text}"


def count_text(counts: Counter[Severity]) -> str:
    """`2 high, 1 medium` from worst to least; `none` when empty."""
    parts = [
        f"{counts[s]} {s.value}"
        for s in sorted(counts, key=lambda s: s.rank, reverse=True)
        if counts[s]
    ]
    return ", ".join(parts) or "none"
