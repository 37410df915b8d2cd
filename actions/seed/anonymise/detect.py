"""Which columns of a table hold personal data, and of which kind. Pure.

Two signals: the column's name (`hints`) and a sample of its values. Values are tested whole
against the kinds with a checksum or a strict shape (cards by Luhn, IBANs by mod 97, SSNs by
the SSA's rules, valid IP addresses, emails and phone numbers as the redaction detectors read
them), and searched inside for any personal value (free text). A name is believed unless the
values plainly contradict it (flags and small counts); a value-only finding needs half the
sample. The confidence is the share of sampled values that agree, raised by a name that agrees.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from actions.insight.checks import card_ok, iban_ok, name_shaped, ssn_ok
from actions.insight.detector import find_spans as _spans_of
from actions.insight.phones import PHONE_DETECTORS
from actions.insight.pii import PII_DETECTORS
from actions.insight.redact import find_spans
from actions.seed.anonymise.formats import parse_date
from actions.seed.anonymise.hints import hint_for, plain_column
from actions.seed.anonymise.reservoir import Reservoir
from actions.seed.anonymise.table import PiiKind
from actions.seed.anonymise.vocab import FIRST_NAMES, LAST_NAMES, STREET_TYPES

_EMAIL = [d for d in PII_DETECTORS if d.kind == "email"]
_SSN = re.compile(r"\d{3}([- ]?)\d{2}\1\d{4}")
_FLAG = re.compile(r"(?i)true|false|t|f|yes|no|y|n|-?\d{1,3}")
_NAME_WORD = re.compile(r"[^\W\d_][^\W\d_'’.-]*(?:['’.-][^\W\d_]*)*")
_STREET = re.compile(r"\d+[A-Za-z]?,? +(?:[^\W\d_][\w'.-]* +){1,4}([A-Za-z]+)\.?")
_POSTCODE = re.compile(r"(?=.*\d)[A-Za-z0-9]{2,5}(?:[ -][A-Za-z0-9]{2,4})?")
_PHONE_SHAPE = re.compile(r"\+?[\d\s().-]{6,24}(?:\s*(?:x|ext\.?)\s*\d{1,5})?", re.I)
# British, Canadian and Dutch postcodes have a shape nothing else has (a US ZIP code does not).
_POSTCODE_STRICT = re.compile(
    r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|[A-Z]\d[A-Z] ?\d[A-Z]\d|[1-9]\d{3} ?[A-Z]{2}"
)
_VOCAB = frozenset(w.casefold() for w in (*FIRST_NAMES, *LAST_NAMES))


@dataclass(frozen=True)
class ColumnFinding:
    """What one column holds, how sure we are (0..1), and from which signal."""

    table: str
    column: str
    kind: PiiKind
    confidence: float
    by: Literal["name", "values", "name and values"]
    hits: int  # sampled values that agree with the kind
    sampled: int


def _digits(value: str) -> int:
    return sum(ch.isdigit() for ch in value)


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def value_kind(value: str) -> PiiKind | None:
    """The kind a whole value is when its shape and checksum leave no doubt, else None."""
    v = value.strip()
    if not 5 <= len(v) <= 64:
        return None
    if "@" in v:
        return "email" if _spans_of(v, _EMAIL) == [(0, len(v), "email")] else None
    if v[:2].isalpha() and iban_ok(v.replace(" ", "")):
        return "iban"
    if card_ok(v):
        return "card"
    ssn = _SSN.fullmatch(v)
    if ssn and ssn_ok(v[:3], v[4:6] if ssn[1] else v[3:5], v[-4:]):
        return "ssn"
    if ("." in v or ":" in v) and _is_ip(v):
        return "ip"
    if _spans_of(v, PHONE_DETECTORS) == [(0, len(v), "phone")]:
        return "phone"
    return None


def _name_like(v: str, most: int) -> bool:
    words = v.split()
    return 1 <= len(words) <= most and all(_NAME_WORD.fullmatch(w) for w in words)


def _street_like(v: str) -> bool:
    match = _STREET.fullmatch(v)
    return match is not None and match[1].lower() in STREET_TYPES


# Does a value fit a kind the column's name suggests? Lenient: the name already says a lot.
_FITS: dict[str, Callable[[str], bool]] = {
    "email": lambda v: re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", v) is not None,
    "phone": lambda v: bool(_PHONE_SHAPE.fullmatch(v)) and 7 <= _digits(v) <= 15,
    "card": lambda v: re.fullmatch(r"[\d -]{12,23}", v) is not None and 12 <= _digits(v) <= 19,
    "iban": lambda v: re.fullmatch(r"[A-Za-z]{2}\d\d[A-Za-z0-9 ]{10,36}", v) is not None,
    "ssn": lambda v: _SSN.fullmatch(v) is not None,
    "ip": _is_ip,
    "first_name": lambda v: _name_like(v, 3),
    "last_name": lambda v: _name_like(v, 3),
    "full_name": lambda v: _name_like(v, 5),
    "city": lambda v: _name_like(v, 5),
    "street_address": lambda v: len(v) >= 4 and any(ch.isalpha() for ch in v),
    "postcode": lambda v: _POSTCODE.fullmatch(v) is not None,
    "birth_date": lambda v: (
        parse_date(v) is not None or re.search(r"\b(?:19|20)\d\d\b", v) is not None
    ),
}


def _birth_dates(counts: Counter[str]) -> int:
    """How many values are dates without a time, if the column reads as dates of birth: nearly
    all dates, spread over more than 15 years, all before 2015 (not orders or events)."""
    dated = [(p[0].year, n) for v, n in counts.items() if (p := parse_date(v)) and not p[2]]
    total = sum(n for _year, n in dated)
    if total < max(5, 0.9 * counts.total()):
        return 0
    years = [year for year, _n in dated]
    return total if max(years) - min(years) > 15 and max(years) < 2015 else 0


def _sample(values: Sequence[str | None], size: int, seed: int) -> list[str]:
    """The sample detection reads: what a `Reservoir` keeps of the non-blank values, stripped
    (all of them, in order, when there are at most `size`), as when the column is streamed."""
    reservoir = Reservoir(size, seed)
    for v in values:
        if v is not None and (v := v.strip()):
            reservoir.add(v)
    return reservoir.values


def _inside(counts: Counter[str]) -> int:
    """How many values hold personal data, if that makes the column one to scrub.

    In a column of single tokens (ids, codes), cards and SSNs count only from a fifth of the
    values on: one random 16-digit id in 25 passes an issuer prefix and Luhn.
    """
    n = counts.total()
    found = {value: {kind for _s, _e, kind in find_spans(value)} for value in counts}
    inside = sum(counts[v] for v, kinds in found.items() if kinds)
    texty = sum(counts[v] for v in counts if " " in v) >= 0.3 * n
    if texty or any(kinds - {"card", "ssn"} for kinds in found.values()):
        return inside
    return inside if inside >= 0.2 * n else 0


def _people(v: str) -> bool:
    return name_shaped(v, max_words=3) and " " in v and bool(_VOCAB & set(v.casefold().split()))


def detect_column(
    table: str, column: str, values: Sequence[str | None], *, sample: int = 1000, seed: int = 0
) -> ColumnFinding:
    """What one column holds (kind "none" when nothing personal was found), from a sample of
    `sample` of its values (a `Reservoir` of that size and seed: a streamed column's sample
    passed as `values` is read whole)."""
    counts = Counter(_sample(values, sample, seed))  # each distinct value tested once
    n = counts.total()

    def count(test: Callable[[str], object]) -> int:
        return sum(times for value, times in counts.items() if test(value))

    def found(
        kind: PiiKind,
        confidence: float,
        by: Literal["name", "values", "name and values"],
        hits: int,
    ) -> ColumnFinding:
        return ColumnFinding(table, column, kind, round(min(confidence, 1.0), 2), by, hits, n)

    hint = hint_for(column)
    if hint is None and plain_column(column):
        return found("none", 0.9, "name", 0)
    whole: Counter[PiiKind] = Counter()
    for value, times in counts.items():
        if (kind := value_kind(value)) is not None:
            whole[kind] += times
    top, top_hits = whole.most_common(1)[0] if whole else ("none", 0)
    if hint is not None and hint.kind == "free_text":
        inside = count(find_spans)
        by: Literal["name", "name and values"] = "name and values" if inside else "name"
        return found("free_text", 1 - 0.5 ** (inside + 1), by, inside)
    if hint is not None and not (n and top != hint.kind and top_hits / n >= 0.5):
        fits = count(_FITS[hint.kind])
        share = fits / n if n else 0.0
        if hint.weak:
            people = count(_people) if n and share >= 0.8 else 0
            if people / max(n, 1) >= 0.3:
                return found(hint.kind, 0.4 + 0.5 * people / n, "name and values", people)
        elif share >= 0.5:
            return found(hint.kind, 0.5 + 0.5 * share, "name and values", fits)
        elif not (n >= 5 and all(_FLAG.fullmatch(v) for v in counts)):
            return found(hint.kind, 0.3 + 0.4 * share, "name and values" if fits else "name", fits)
    if n and top_hits / n >= 0.5:
        return found(top, top_hits / n, "values", top_hits)
    if n:
        streets = count(_street_like)
        if streets / n >= 0.6:
            return found("street_address", 0.8 * streets / n, "values", streets)
        postcodes = count(lambda v: _POSTCODE_STRICT.fullmatch(v.upper()))
        if postcodes / n >= 0.8:
            return found("postcode", 0.7 * postcodes / n, "values", postcodes)
        births = _birth_dates(counts)
        if births:
            return found("birth_date", 0.6 * births / n, "values", births)
        people = count(_people)
        if people / n >= 0.5:
            return found("full_name", 0.8 * people / n, "values", people)
        inside = _inside(counts)
        if inside:
            return found("free_text", 1 - 0.5**inside, "values", inside)
    return found("none", 1.0, "values", 0)


def detect_columns(
    table: str, columns: Mapping[str, Sequence[str | None]], *, sample: int = 1000, seed: int = 0
) -> list[ColumnFinding]:
    """One finding per column, in column order: its kind of personal data, or "none"."""
    return [
        detect_column(table, name, values, sample=sample, seed=seed)
        for name, values in columns.items()
    ]
