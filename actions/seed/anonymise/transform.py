"""One table's plan applied to its rows, a chunk at a time, with what was done counted. Pure
but for the pseudonymiser's memory (it remembers the pseudonyms it made).

A chunk's rows are copied, each column pseudonymised, scrubbed or dropped by its plan, then
the quasi-identifiers generalised; a row whose class of generalised quasi-identifiers is
smaller than k (counted over the whole table beforehand) has them masked. The tallies say how
many values of each kind were replaced, never which.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from actions.seed.anonymise.freetext import describe
from actions.seed.anonymise.kanon import generalise_row, rule_functions
from actions.seed.anonymise.plan import ColumnPlan
from actions.seed.anonymise.pseudonym import Pseudonymiser
from actions.seed.anonymise.table import Row

ClassKey = tuple[Any, ...]


@dataclass
class Tally:
    """Values replaced by kind, and per scrubbed column what its texts held."""

    replaced: Counter[str] = field(default_factory=Counter)
    found: dict[str, Counter[str]] = field(default_factory=dict)


@dataclass
class TablePlan:
    """One table's treatment: each column's plan and the rules of its quasi-identifiers."""

    name: str
    columns: list[str]
    plans: list[ColumnPlan]
    rules: dict[str, str]
    _generalisers: dict[str, Callable[[str], str | None]] = field(init=False, repr=False)
    _dropped: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._generalisers = rule_functions(self.rules)
        self._dropped = frozenset(p.column for p in self.plans if p.do == "drop")

    @property
    def kept(self) -> list[str]:
        """The columns written (all but the dropped ones)."""
        return [c for c in self.columns if c not in self._dropped]

    @property
    def classes_need_pseudonyms(self) -> bool:
        """A quasi-identifier is pseudonymised or scrubbed, so its classes can be counted only
        once every value to reserve is known (else they are counted from the values read)."""
        return any(p.column in self.rules and p.do in ("pseudonymise", "scrub") for p in self.plans)

    def class_of_read(self, row: Row) -> ClassKey:
        """The class of a row as read (only when no quasi-identifier needs a pseudonym)."""
        out = []
        for column, function in self._generalisers.items():
            value = None if column in self._dropped else row.get(column)
            out.append(None if value is None else function(str(value)))
        return tuple(out)

    def class_of(self, row: dict[str, Any]) -> ClassKey:
        """The class of a row already transformed and generalised."""
        return tuple(row.get(q) for q in self.rules)

    def transform(
        self,
        chunk: list[Row],
        p: Pseudonymiser,
        tally: Tally,
        small: set[ClassKey] | None = None,
    ) -> list[dict[str, Any]]:
        """The chunk's rows anonymised (new rows; the chunk is left as it was): columns by
        their plans, quasi-identifiers generalised, and masked in the `small` classes."""
        rows: list[dict[str, Any]] = [dict(row) for row in chunk]
        for plan in self.plans:
            _apply(plan, rows, p, tally)
        if not self.rules:
            return rows
        rows = [generalise_row(row, self._generalisers) for row in rows]
        if small:  # a dropped quasi-identifier stays out of the row
            blank = dict.fromkeys(q for q in self.rules if q not in self._dropped)
            rows = [{**row, **blank} if self.class_of(row) in small else row for row in rows]
        return rows


def _apply(plan: ColumnPlan, rows: list[dict[str, Any]], p: Pseudonymiser, tally: Tally) -> None:
    """Transforms one column of `rows` in place, counting what was replaced."""
    column = plan.column
    if plan.do == "drop":
        for row in rows:
            row.pop(column, None)
    elif plan.do == "pseudonymise":
        n = 0
        for row in rows:
            value = row.get(column)
            if value is not None and value.strip():
                row[column] = p.replace(plan.kind, value)
                n += 1
        tally.replaced[plan.kind] += n
    elif plan.do == "scrub":
        found = tally.found.setdefault(column, Counter())
        for row in rows:
            value = row.get(column)
            if value is not None:
                row[column], seen = p.scrub(value)
                found.update(seen)
                tally.replaced.update(seen)


def how(plan: ColumnPlan, tally: Tally) -> str:
    """What was done to a column, for the report (counts and kinds, never values)."""
    note = ", by override" if plan.by == "override" else ""
    if plan.do == "drop":
        return "dropped" + note.replace(",", "")
    if plan.do == "pseudonymise":
        return f"pseudonymised ({plan.kind}, keyed{note})"
    if plan.do == "scrub":
        return f"free text scrubbed ({describe(tally.found.get(plan.column, Counter()))}{note})"
    if plan.do == "generalise":  # done with the table's other quasi-identifiers
        if plan.rule == "keep":
            return f"kept as a quasi-identifier (k-anonymity){note}"
        return f"generalised ({plan.rule}{note})"
    return "kept" + (" (by override)" if note else "")
