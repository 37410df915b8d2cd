"""Identifiers in paths and query values: recognised, taken out, and drawn again. Pure.

A path segment or a value is an identifier when it is a number, a UUID, an email address, a hex
hash (16+ hex digits), a token (20+ characters of letters and digits) or another key (a run of
four or more digits, as in `INV-2024-00042`). Each becomes a placeholder whose generator draws
values of the same shape, so a derived profile never carries a real one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote

_UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_EMAIL = re.compile(r"^[^@\s/]+@[^@\s/]+\.[^@\s/]+$")
_HEX = re.compile(r"^(?=.*[a-fA-F])[0-9a-fA-F]{16,}$")
_TOKEN = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-.~+/=]{20,}$")
_DIGIT_RUN = re.compile(r"\d{4,}")
_WORD = re.compile(r"^[A-Za-z][A-Za-z_-]{0,19}$")
PARAM_NAME = re.compile(r"^[A-Za-z0-9_.\-\[\]]{1,40}$")
# Query parameters that are kept must have a plain name, and not one that hints at a secret or
# at a person.
SENSITIVE = re.compile(
    r"token|key|secret|pass|pwd|auth|session|sig|code|jwt|mail|user|account|phone|ssn", re.I
)
MAX_CHOICES = 20
Kind = Literal["id", "uuid", "email", "hash", "token", "key"]


def classify(text: str) -> Kind | None:
    """The kind of identifier `text` (a path segment or a value) is, or None for a word."""
    value = unquote(text)
    if value.isascii() and value.isdigit():
        return "id"
    if _UUID.match(value):
        return "uuid"
    if "@" in value and _EMAIL.match(value):
        return "email"
    if _HEX.match(value):
        return "hash"
    if _TOKEN.match(value):
        return "token"
    if _DIGIT_RUN.search(value):
        return "key"
    return None


@dataclass(frozen=True)
class Normalised:
    """A path as a template, and the identifiers taken out of it (placeholder name, value)."""

    template: str
    values: tuple[tuple[str, Kind, str], ...] = ()


def normalise_path(path: str) -> Normalised:
    """`/users/48213/orders/9f1c…` → `/users/{id}/orders/{hash}`; a UUID becomes `{uuid}`."""
    parts, values, seen = [], [], Counter[str]()
    for segment in path.split("/"):
        kind = classify(segment) if segment else None
        if kind is None:
            parts.append(segment.replace("{", "{{").replace("}", "}}"))
        elif kind == "uuid":
            parts.append("{uuid}")  # drawn by its generator: nothing to learn from the values
        else:
            seen[kind] += 1
            name = kind if seen[kind] == 1 else f"{kind}{seen[kind]}"
            parts.append(f"{{{name}}}")
            values.append((name, kind, unquote(segment)))
    return Normalised("/".join(parts) or "/", tuple(values))


@dataclass
class Values:
    """What was seen of one placeholder or query parameter: enough to draw similar values."""

    kind: Kind | None
    low: int | None = None
    high: int | None = None
    lengths: Counter[int] = field(default_factory=Counter)
    words: set[str] = field(default_factory=set)
    other: bool = False

    def add(self, value: str) -> None:
        kind = classify(value)
        if self.kind != kind:
            self.other = True
        if kind == "id":
            number = int(value)
            self.low = number if self.low is None else min(self.low, number)
            self.high = number if self.high is None else max(self.high, number)
        elif kind is None and _WORD.match(value) and len(self.words) <= MAX_CHOICES:
            self.words.add(value)
        elif kind is None:
            self.other = True
        self.lengths[len(value)] += 1

    def generator(self) -> str:
        """A template drawing values like these, with none of the values themselves."""
        length = min(128, max(1, self.lengths.most_common(1)[0][0])) if self.lengths else 16
        if self.kind == "id" and not self.other and self.low is not None:
            low, high = round_out(self.low, self.high or self.low)
            return f"{{int:{low}:{high}}}"
        if self.kind == "uuid":
            return "{uuid}"
        if self.kind == "email":
            return "user{seq}@example.test"
        if self.kind in ("hash", "token"):
            return f"{{hex:{length}}}"
        if self.kind == "key":
            return "key{seq}"
        if not self.other and self.words and len(self.words) <= MAX_CHOICES:
            return "{choice:" + ",".join(sorted(self.words)) + "}"
        return "{hex:8}"


def round_out(low: int, high: int) -> tuple[int, int]:
    """Bounds rounded outward to two significant digits: 48213..77120 → 48000..78000."""

    def step(n: int) -> int:
        return 10 ** max(0, len(str(n)) - 2)

    return low - low % step(low), -(-high // step(high)) * step(high)
