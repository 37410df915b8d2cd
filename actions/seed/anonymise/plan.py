"""What to do with each column: from its detected kind, the overrides and the quasi-identifiers.

Direct identifiers (emails, phones, names, cards, ...) are pseudonymised, free text is
scrubbed, quasi-identifiers (birth date, postcode, city, age, gender) are generalised for
k-anonymity, everything else is kept. An override (`"customers.ref": "phone"`, `"keep"`,
`"drop"`, or a generalisation rule such as `"year"`) wins over detection. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast, get_args

from actions.errors import ConfigError
from actions.seed.anonymise.detect import ColumnFinding
from actions.seed.anonymise.kanon import RULES, check_rule
from actions.seed.anonymise.table import PiiKind

Do = Literal["pseudonymise", "scrub", "generalise", "keep", "drop"]
# Quasi-identifiers by kind and by column name, with how each is generalised by default
# (HIPAA's safe harbour keeps a birth date's year and a ZIP code's first three digits).
QUASI_KINDS: dict[str, str] = {"birth_date": "year", "postcode": "prefix:3", "city": "keep"}
QUASI_NAMES: dict[str, str] = {"gender": "keep", "sex": "keep", "age": "band:10"}
_KINDS = frozenset(get_args(PiiKind)) - {"none"}


@dataclass(frozen=True)
class ColumnPlan:
    """One column's treatment."""

    table: str
    column: str
    kind: PiiKind
    do: Do
    rule: str = ""  # the generalisation rule when `do` is "generalise"
    confidence: float = 1.0
    by: str = "override"  # "name", "values", "name and values" or "override"


def parse_overrides(
    overrides: Mapping[str, str], columns: Mapping[str, Sequence[str]]
) -> dict[str, dict[str, str]]:
    """`{"table.column": what}` checked against the extract's columns, as {table: {column: …}}."""
    problems: list[str] = []
    out: dict[str, dict[str, str]] = {}
    for where, what in overrides.items():
        table, _, column = where.partition(".")
        what = what.strip()
        if column not in columns.get(table, ()):
            problems.append(f"{where}: the extract has no such column")
        elif what not in _KINDS | {"keep", "drop", "none"}:
            try:
                check_rule(what)
            except ConfigError:
                problems.append(f"{where}: {what!r} is not a kind, keep, drop or a rule")
                continue
        out.setdefault(table, {})[column] = what
    if problems:
        kinds = ", ".join(sorted(_KINDS))
        raise ConfigError(
            "anonymisation overrides: " + "; ".join(problems) + f" (kinds: {kinds}; "
            f"rules: {', '.join(RULES)})"
        )
    return out


def default_quasi(findings: Sequence[ColumnFinding]) -> list[str]:
    """The columns that are quasi-identifiers by their kind or name."""
    return [f.column for f in findings if f.kind in QUASI_KINDS or f.column.lower() in QUASI_NAMES]


def plan_table(
    findings: Sequence[ColumnFinding],
    *,
    overrides: Mapping[str, str] | None = None,
    quasi: Sequence[str] | None = None,
) -> tuple[list[ColumnPlan], dict[str, str]]:
    """Each column's plan, and the generalisation rule of each quasi-identifier."""
    overrides = overrides or {}
    if quasi is None:
        quasi = default_quasi(findings)
        quasi += [c for c, what in overrides.items() if _is_rule(what) and c not in quasi]
    unknown = set(quasi) - {f.column for f in findings}
    if unknown:
        raise ConfigError(f"quasi-identifiers not in the table: {', '.join(sorted(unknown))}")
    plans, rules = [], {}
    for f in findings:
        what = overrides.get(f.column)
        kind: PiiKind = f.kind
        if what in _KINDS:
            kind = cast(PiiKind, what)
        elif what in ("keep", "none"):
            kind = "none"
        plan = _plan(f, kind, what, f.column in quasi)
        plans.append(plan)
        if f.column in quasi:
            rules[f.column] = plan.rule if plan.do == "generalise" else "keep"
    return plans, rules


def _is_rule(what: str) -> bool:
    return what not in _KINDS | {"keep", "drop", "none"}


def _plan(f: ColumnFinding, kind: PiiKind, what: str | None, quasi: bool) -> ColumnPlan:
    confidence, by = (1.0, "override") if what is not None else (f.confidence, f.by)
    if what == "drop":
        return ColumnPlan(f.table, f.column, kind, "drop", "", confidence, by)
    if what is not None and _is_rule(what):
        return ColumnPlan(f.table, f.column, kind, "generalise", what, confidence, by)
    if quasi and (kind in QUASI_KINDS or kind == "none"):
        rule = QUASI_KINDS.get(kind) or QUASI_NAMES.get(f.column.lower(), "keep")
        return ColumnPlan(f.table, f.column, kind, "generalise", rule, confidence, by)
    if kind == "none":
        return ColumnPlan(f.table, f.column, kind, "keep", "", confidence, by)
    do: Do = "scrub" if kind == "free_text" else "pseudonymise"
    return ColumnPlan(f.table, f.column, kind, do, "", confidence, by)
