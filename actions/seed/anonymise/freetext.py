"""Personal values inside free text, each replaced by its kind's pseudonym. Pure.

The text is read by the redaction detectors of `actions.insight` (emails, cards and IBANs with
their checksums, SSNs, personal IP addresses, phone numbers, names in known fields or after a
title, secrets); what they find becomes the pseudonym of its kind, so an email in a note is
replaced exactly as the same email in an `email` column is. Words that are the names of people
of the extract (learnt from its name columns) are replaced too, wherever they stand.
Secrets become the redaction placeholders (`[api-key:1a2b3c]`): they have no format to keep.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from actions.insight.redact import Redactor, find_spans
from actions.seed.anonymise.formats import Draw

if TYPE_CHECKING:
    from actions.seed.anonymise.table import PiiKind

# The redaction detectors' kinds that are pseudonymised as a column of that kind would be.
_AS_KIND: dict[str, PiiKind] = {
    "email": "email",
    "phone": "phone",
    "iban": "iban",
    "card": "card",
    "ssn": "ssn",
    "ip": "ip",
    "person": "full_name",
}
LABELS = {
    "email": "email",
    "phone": "phone",
    "iban": "IBAN",
    "card": "card",
    "ssn": "SSN",
    "ip": "IP address",
    "person": "name",
    "name": "name",
    "username": "user name",
}
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def scrub(
    text: str,
    replace: Callable[[PiiKind, str], str],
    known: Mapping[str, PiiKind],
    key: bytes,
) -> tuple[str, Counter[str]]:
    """`text` with every personal value found replaced, and the count of each kind replaced."""
    found: Counter[str] = Counter()
    out: list[str] = []
    last = 0
    for start, end, kind in find_spans(text):
        value = text[start:end]
        out.append(_known_words(text[last:start], replace, known, found))
        if kind in _AS_KIND:
            out.append(replace(_AS_KIND[kind], value))
        elif kind == "username":
            out.append("user" + Draw(key, "username", value.casefold()).token(6))
        else:
            out.append(Redactor(key=key).placeholder(kind, value))
        found[LABELS.get(kind, "secret")] += 1
        last = end
    out.append(_known_words(text[last:], replace, known, found))
    return "".join(out), found


def _known_words(
    text: str,
    replace: Callable[[PiiKind, str], str],
    known: Mapping[str, PiiKind],
    found: Counter[str],
) -> str:
    if not known or not text:
        return text

    def one(match: re.Match[str]) -> str:
        kind = known.get(match[0])
        if kind is None:
            return match[0]
        found["name"] += 1
        return replace(kind, match[0])

    return _WORD.sub(one, text)


def describe(found: Counter[str]) -> str:
    """`2 emails, 1 card`: what scrubbing replaced, most frequent first (no values)."""
    if not found:
        return "nothing found"
    parts = []
    for label, n in found.most_common():
        plural = label if n == 1 else ("IP addresses" if label == "IP address" else f"{label}s")
        parts.append(f"{n} {plural}")
    return ", ".join(parts)
