"""Secrets and personal data replaced by stable placeholders before text leaves. Pure.

Applied to every event, summary, finding and piece of evidence a run produces, so what reaches
storage, a chat message or (later) an LLM is already redacted. The same value gets the same
placeholder within one `Redactor` (a keyed hash), so people can still follow it through a report.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field

from actions.result import Result


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of a card number (digits only)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


_KEY_NAMES = (
    r"password|passwd|pwd|secret|client_secret|token|access_token|refresh_token|api[_-]?key|apikey"
    r"|auth|authorization|private[_-]?key|session|cookie"
)

# (kind, pattern, group holding the secret value or 0 for the whole match)
_PATTERNS: list[tuple[str, re.Pattern[str], int]] = [
    (
        "private-key",
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S
        ),
        0,
    ),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"), 0),
    ("slack-token", re.compile(r"\bx(?:ox[abposr]|app)-[A-Za-z0-9-]{8,}"), 0),
    ("github-token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"), 0),
    ("aws-key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), 0),
    ("api-key", re.compile(r"\bsk-[A-Za-z0-9_-]{20,}"), 0),
    ("bearer", re.compile(r"(?i)\b(?:bearer|basic)\s+([A-Za-z0-9._~+/=-]{8,})"), 1),
    ("url-password", re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@]+:([^\s@/]+)@"), 1),
    (
        "secret",
        re.compile(
            rf"(?i)[\"']?\b(?:{_KEY_NAMES})\b[\"']?\s*[:=]\s*[\"']?"
            rf"(?!(?:bearer|basic)\b)([^\s\"',;&}}]{{3,}})"
        ),
        1,
    ),
    ("email", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"), 0),
    ("card", re.compile(r"\b(?:\d[ -]?){12,18}\d\b"), 0),
]


@dataclass
class Redactor:
    """Replaces secrets and personal data; the same value always gets the same placeholder."""

    key: bytes = field(default_factory=lambda: os.urandom(16))

    def placeholder(self, kind: str, value: str) -> str:
        digest = hmac.new(self.key, value.encode(), hashlib.sha256).hexdigest()[:6]
        return f"[{kind}:{digest}]"

    def redact(self, text: str) -> str:
        """The text with every secret and personal value replaced; everything else unchanged."""
        spans = find_spans(text)
        out, last = [], 0
        for start, end, kind in spans:
            out += [text[last:start], self.placeholder(kind, text[start:end])]
            last = end
        out.append(text[last:])
        return "".join(out)


def find_spans(text: str) -> list[tuple[int, int, str]]:
    """Where the sensitive values are: (start, end, kind), sorted, never overlapping.

    Patterns earlier in the list win over later ones on the same characters.
    """
    taken: list[tuple[int, int, str]] = []
    for kind, pattern, group in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span(group)
            if kind == "card" and not luhn_ok(re.sub(r"\D", "", match.group(group))):
                continue
            if any(start < e and s < end for s, e, _ in taken):
                continue
            taken.append((start, end, kind))
    return sorted(taken)


DEFAULT = Redactor()


def redact(text: str) -> str:
    """Redact with the process-wide redactor."""
    return DEFAULT.redact(text)


def redact_result(result: Result, redactor: Redactor = DEFAULT) -> Result:
    """A copy of a step's Result with its texts redacted: summary, findings, per-test messages."""
    copy = result.model_copy(deep=True)
    copy.summary = redactor.redact(copy.summary)
    for finding in copy.findings:
        finding.title = redactor.redact(finding.title)
        finding.evidence = redactor.redact(finding.evidence)
    for test in copy.data.get("tests", []):
        for key in ("message", "detail", "system_out"):
            if isinstance(test.get(key), str):
                test[key] = redactor.redact(test[key])
    return copy
