"""Generalisation of quasi-identifiers and the k-anonymity of the result. Pure.

A quasi-identifier (birth date, postcode, city, age) names nobody alone, but together they
can: 87% of Americans are unique by birth date, sex and ZIP code. Generalising them (a birth
date to its year, a postcode to its district) makes rows share their values; a table is
k-anonymous when every combination is shared by at least k rows. Rows of smaller classes are
suppressed: removed, or their quasi-identifiers blanked (`how="mask"`, which keeps the row for
the tables that refer to it). The report counts; it never holds a value.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from actions.errors import ConfigError
from actions.seed.anonymise.formats import parse_date

RULES = ("keep", "drop", "year", "month", "prefix:N", "band:N")
_RULE = re.compile(r"(keep|drop|year|month)|(prefix|band):([1-9]\d{0,2})")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


@dataclass
class KReport:
    """How anonymous a table's quasi-identifiers are: no values, only counts."""

    quasi_identifiers: list[str]
    k: int  # the smallest class left (0 when no row is left)
    classes: int  # classes of rows sharing their quasi-identifiers, after suppression
    smallest: list[dict[str, int]]  # before suppression: [{"size": 1, "classes": 4}, ...]
    suppressed: int  # rows removed or blanked
    target: int = 5
    rows: int = 0  # rows examined
    rules: dict[str, str] = field(default_factory=dict)  # how each quasi-identifier was generalised

    @property
    def met(self) -> bool:
        """Every class left has at least `target` rows."""
        return self.k >= self.target or self.classes == 0


def check_rule(rule: str) -> str:
    """The rule if it is one (`year`, `prefix:3`, ...), else a ConfigError saying which exist."""
    if not _RULE.fullmatch(rule.strip()):
        raise ConfigError(f"unknown generalisation rule {rule!r}: use one of {', '.join(RULES)}")
    return rule.strip()


def _year(value: str) -> int | None:
    parsed = parse_date(value)
    if parsed is not None:
        return parsed[0].year
    found = _YEAR.search(value)
    return int(found[1]) if found else None


def _band(value: str, width: int) -> str | None:
    year = _year(value) if not re.fullmatch(r"-?\d+(?:\.\d+)?", value.strip()) else None
    if year is not None:
        low = year // width * width
    else:
        try:
            low = int(float(value) // width * width)
        except ValueError:
            return None  # not a number: blanked rather than kept as it is
    return f"{low}-{low + width - 1}"


def _month(value: str) -> str | None:
    parsed = parse_date(value)
    return parsed[0].strftime("%Y-%m") if parsed else None


def rule_function(rule: str) -> Callable[[str], str | None]:
    """The function one rule applies to a (non-null) value."""
    match = _RULE.fullmatch(check_rule(rule))
    assert match is not None
    simple, name, n = match[1], match[2], int(match[3] or 0)
    if simple == "keep":
        return lambda v: v
    if simple == "drop":
        return lambda _v: None
    if simple == "year":
        return lambda v: None if (y := _year(v)) is None else str(y)
    if simple == "month":
        return _month
    if name == "prefix":
        return lambda v: v.strip()[:n].rstrip() or None
    return lambda v: _band(v, n)


def generalise(rows: list[dict[str, Any]], rules: Mapping[str, str]) -> list[dict[str, Any]]:
    """New rows with each ruled column generalised (`year`, `month`, `prefix:N`, `band:N`,
    `keep`, `drop`); a value a rule cannot read becomes None, never stays as it was."""
    functions = rule_functions(rules)
    return [generalise_row(row, functions) for row in rows]


def rule_functions(rules: Mapping[str, str]) -> dict[str, Callable[[str], str | None]]:
    """Each ruled column's function (see `rule_function`)."""
    return {column: rule_function(rule) for column, rule in rules.items()}


def generalise_row(
    row: dict[str, Any], functions: Mapping[str, Callable[[str], str | None]]
) -> dict[str, Any]:
    """A new row with each column of `functions` generalised (None stays None)."""
    new = dict(row)
    for column, function in functions.items():
        value = new.get(column)
        if value is not None:
            new[column] = function(str(value))
    return new


def small_classes(
    classes: Counter[tuple[Any, ...]],
    quasi: Sequence[str],
    *,
    k: int = 5,
    suppress: bool = True,
) -> tuple[set[tuple[Any, ...]], KReport]:
    """From the rows counted per class of their quasi-identifiers: the classes of fewer than
    `k` rows (none when not `suppress`), and the report as if their rows were suppressed."""
    if k < 1:
        raise ConfigError("k must be at least 1")
    sizes = Counter(classes.values())
    smallest = [{"size": size, "classes": sizes[size]} for size in sorted(sizes)[:5]]
    small = {c for c, n in classes.items() if n < k} if suppress else set()
    left = Counter({c: n for c, n in classes.items() if n >= k}) if small else classes
    report = KReport(
        quasi_identifiers=[str(q) for q in quasi],
        k=min(left.values(), default=0),
        classes=len(left),
        smallest=smallest,
        suppressed=sum(classes[c] for c in small),
        target=k,
        rows=classes.total(),
    )
    return small, report


def k_anonymity(
    rows: list[dict[str, Any]],
    quasi: Sequence[str],
    *,
    k: int = 5,
    suppress: bool = True,
    how: Literal["remove", "mask"] = "remove",
) -> tuple[list[dict[str, Any]], KReport]:
    """Rows whose quasi-identifier classes all have `k` rows or more (smaller ones suppressed
    when `suppress`: removed, or with `how="mask"` their quasi-identifiers set to None), and
    the report."""
    key = [str(q) for q in quasi]
    small, report = small_classes(
        Counter(tuple(row.get(q) for q in key) for row in rows), key, k=k, suppress=suppress
    )
    if not small:
        return list(rows), report
    if how == "remove":
        return [row for row in rows if tuple(row.get(q) for q in key) not in small], report
    blank = dict.fromkeys(key)
    return [
        {**row, **blank} if tuple(row.get(q) for q in key) in small else row for row in rows
    ], report
