"""Secrets and personal data replaced by stable placeholders before text leaves. Pure.

Applied to every event, summary, finding and piece of evidence a run produces, so what reaches
storage, a chat message or an LLM is already redacted. The same value gets the same placeholder
within one `Redactor` (a keyed hash), so people can still follow it through a report:
`[email:1a2b3c]`, `[secret:…]`, `[phone:…]`. A placeholder is never redacted again, so
`redact(redact(text)) == redact(text)`.

The detectors live beside this module: `secret_patterns` (keys, tokens, passwords, connection
strings), `pii` (email, card, IBAN, SSN, IP), `phones`, `names` (names in known fields).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from actions.insight.checks import luhn_ok
from actions.insight.detector import PLACEHOLDER, Detector, Span
from actions.insight.detector import find_spans as _find_spans
from actions.insight.names import NAME_DETECTORS
from actions.insight.phones import PHONE_DETECTORS
from actions.insight.pii import PII_DETECTORS
from actions.insight.secret_patterns import SECRET_DETECTORS
from actions.result import Result

__all__ = [
    "DEFAULT",
    "DETECTORS",
    "PLACEHOLDER",
    "Redactor",
    "find_spans",
    "luhn_ok",
    "redact",
    "redact_result",
]

# Earlier detectors win on the same characters: secrets first (a password that looks like a
# phone number is a password), then the shapes with checksums, then phones, then names.
DETECTORS: list[Detector] = [
    *SECRET_DETECTORS,
    *PII_DETECTORS,
    *PHONE_DETECTORS,
    *NAME_DETECTORS,
]


def find_spans(text: str, detectors: Sequence[Detector] = DETECTORS) -> list[Span]:
    """Where the sensitive values are: (start, end, kind), sorted, never overlapping."""
    return _find_spans(text, detectors)


@dataclass
class Redactor:
    """Replaces secrets and personal data; the same value always gets the same placeholder."""

    key: bytes = field(default_factory=lambda: os.urandom(16))

    def placeholder(self, kind: str, value: str) -> str:
        """`[kind:6 hex digits]`, a keyed hash of the value: stable, not reversible."""
        data = value.encode("utf-8", "surrogatepass")  # bytes read with surrogateescape too
        digest = hmac.new(self.key, data, hashlib.sha256).hexdigest()[:6]
        return f"[{kind}:{digest}]"

    def redact(self, text: str) -> str:
        """The text with every secret and personal value replaced; everything else unchanged."""
        spans = find_spans(text)
        if not spans:
            return text
        out, last = [], 0
        for start, end, kind in spans:
            out += [text[last:start], self.placeholder(kind, text[start:end])]
            last = end
        out.append(text[last:])
        return "".join(out)


DEFAULT = Redactor()


def redact(text: str) -> str:
    """Redact with the process-wide redactor."""
    return DEFAULT.redact(text)


# Free-text entries of a Result's `data` (strings or lists of strings); ids, paths, names of
# services and figures are left as they are.
_DATA_TEXTS = ("note", "error", "message", "detail", "log", "logs", "excerpt", "output", "stderr")
_TEST_TEXTS = ("message", "detail", "system_out", "system_err")


def _redact_value(value: Any, redactor: Redactor) -> Any:
    if isinstance(value, str):
        return redactor.redact(value)
    if isinstance(value, list):
        return [redactor.redact(v) if isinstance(v, str) else v for v in value]
    return value


def redact_result(result: Result, redactor: Redactor = DEFAULT) -> Result:
    """A copy of a step's Result with its texts redacted: summary, findings, per-test messages,
    timeline messages and the free-text entries of its data."""
    copy = result.model_copy(deep=True)
    copy.summary = redactor.redact(copy.summary)
    for finding in copy.findings:
        finding.title = redactor.redact(finding.title)
        finding.evidence = redactor.redact(finding.evidence)
    for key in _DATA_TEXTS:
        if key in copy.data:
            copy.data[key] = _redact_value(copy.data[key], redactor)
    for entries, keys in (("tests", _TEST_TEXTS), ("timeline", ("message",))):
        for entry in copy.data.get(entries) or []:
            if not isinstance(entry, dict):
                continue
            for key in keys:
                if isinstance(entry.get(key), str):
                    entry[key] = redactor.redact(entry[key])
    return copy
