"""An extract anonymised: read, detect, plan, transform, report. Nothing written to disk here.

`anonymise` takes tables and returns new ones with the report; `anonymise_extract` reads a
source and hands each anonymised table to a sink (a loader into the environment's database,
a CSV or Parquet writer). Progress messages and the report carry names and counts only:
never a value of the extract.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from actions.seed.anonymise.detect import detect_columns
from actions.seed.anonymise.freetext import describe
from actions.seed.anonymise.kanon import KReport, generalise, k_anonymity
from actions.seed.anonymise.plan import ColumnPlan, parse_overrides, plan_table
from actions.seed.anonymise.pseudonym import Pseudonymiser
from actions.seed.anonymise.sources import MAX_EXTRACT_MB, ReadBounds, read_extract
from actions.seed.anonymise.table import PiiKind, Table

Progress = Callable[[str], None]


@dataclass
class ColumnAction:
    """What was done to one column, and how sure detection was (1.0 for an override)."""

    table: str
    column: str
    kind: PiiKind
    how: str  # "pseudonymised (email, keyed)", "generalised (year)", "kept", ...
    confidence: float
    by: str = ""  # "name", "values", "name and values" or "override"


@dataclass
class AnonymisationReport:
    """Per column what was done, per table its k-anonymity and rows, and the time taken."""

    actions: list[ColumnAction]
    kanon: dict[str, KReport]
    rows: dict[str, int]
    seconds: float
    values_replaced: dict[str, int] = field(default_factory=dict)  # by kind

    def transformed(self) -> list[ColumnAction]:
        """The actions that changed a column (everything but "kept")."""
        return [a for a in self.actions if a.how != "kept"]


def _quiet(_message: str) -> None:
    return None


def anonymise(
    tables: Mapping[str, Table],
    key: bytes,
    *,
    overrides: Mapping[str, str] | None = None,
    quasi: Mapping[str, Sequence[str]] | None = None,
    k: int = 5,
    progress: Progress | None = None,
    sample: int = 1000,
) -> tuple[dict[str, Table], AnonymisationReport]:
    """The tables with personal data pseudonymised, free text scrubbed and quasi-identifiers
    generalised to k-anonymity (small classes masked, rows kept for the tables that refer to
    them), and the report. `quasi` lists a table's quasi-identifiers (default: by kind)."""
    started = time.perf_counter()
    say = progress or _quiet
    pseudonymiser = Pseudonymiser(key)  # a bad key fails before any work
    columns = {name: t.columns for name, t in tables.items()}
    by_table = parse_overrides(overrides or {}, columns)
    plans: dict[str, tuple[list[ColumnPlan], dict[str, str]]] = {}
    for name, table in tables.items():
        say(f"{name}: looking for personal data in {len(table.columns)} columns")
        findings = detect_columns(name, table.by_column(), sample=sample)
        wanted = None if quasi is None or name not in quasi else list(quasi[name])
        plans[name] = plan_table(findings, overrides=by_table.get(name), quasi=wanted)
    for name, (column_plans, _rules) in plans.items():  # before any value is replaced
        for plan in column_plans:
            if plan.do == "pseudonymise":
                pseudonymiser.learn(plan.kind, tables[name].column(plan.column))
                pseudonymiser.reserve(plan.kind, tables[name].column(plan.column))
    out: dict[str, Table] = {}
    actions: list[ColumnAction] = []
    kanon: dict[str, KReport] = {}
    replaced: Counter[str] = Counter()
    for name, table in tables.items():
        column_plans, rules = plans[name]
        rows = [dict(row) for row in table.rows]
        for plan in column_plans:
            how = _apply(plan, rows, pseudonymiser, replaced)
            action = ColumnAction(name, plan.column, plan.kind, how, plan.confidence, plan.by)
            actions.append(action)
        if rules:
            rows, report = k_anonymity(generalise(rows, rules), list(rules), k=k, how="mask")
            report.rules = dict(rules)
            kanon[name] = report
        dropped = {p.column for p in column_plans if p.do == "drop"}
        kept = [c for c in table.columns if c not in dropped]
        out[name] = Table(name, kept, rows)
        say(f"{name}: {len(rows)} rows anonymised")
    seconds = round(time.perf_counter() - started, 3)
    rows_out = {name: len(t.rows) for name, t in out.items()}
    return out, AnonymisationReport(actions, kanon, rows_out, seconds, dict(replaced))


def _apply(
    plan: ColumnPlan, rows: list[dict[str, str | None]], p: Pseudonymiser, replaced: Counter[str]
) -> str:
    """Transforms one column of `rows` in place; returns how, for the report."""
    column = plan.column
    note = ", by override" if plan.by == "override" else ""
    if plan.do == "drop":
        for row in rows:
            row.pop(column, None)
        return "dropped" + note.replace(",", "")
    if plan.do == "pseudonymise":
        n = 0
        for row in rows:
            value = row.get(column)
            if value is not None and value.strip():
                row[column] = p.replace(plan.kind, value)
                n += 1
        replaced[plan.kind] += n
        return f"pseudonymised ({plan.kind}, keyed{note})"
    if plan.do == "scrub":
        found: Counter[str] = Counter()
        for row in rows:
            value = row.get(column)
            if value is not None:
                row[column], seen = p.scrub(value)
                found.update(seen)
        replaced.update(found)
        return f"free text scrubbed ({describe(found)}{note})"
    if plan.do == "generalise":  # done with the table's other quasi-identifiers
        if plan.rule == "keep":
            return f"kept as a quasi-identifier (k-anonymity){note}"
        return f"generalised ({plan.rule}{note})"
    return "kept" + (" (by override)" if note else "")


def anonymise_extract(
    source: str,
    key: bytes,
    sink: Callable[[Table], None],
    *,
    overrides: Mapping[str, str] | None = None,
    quasi: Mapping[str, Sequence[str]] | None = None,
    k: int = 5,
    progress: Progress | None = None,
    max_mb: float = MAX_EXTRACT_MB,
) -> AnonymisationReport:
    """Reads an extract (CSV folder, database URL or .sql dump; at most `max_mb`), anonymises it
    and hands each table to `sink`; the raw tables never leave this function. The report's
    `seconds` is the whole: reading, anonymising and the sink's writing."""
    started = time.perf_counter()
    say = progress or _quiet
    say("reading the extract")
    tables = read_extract(source, ReadBounds(max_mb=max_mb))
    say(f"read {len(tables)} tables, {sum(len(t.rows) for t in tables.values())} rows")
    out, report = anonymise(tables, key, overrides=overrides, quasi=quasi, k=k, progress=say)
    for table in out.values():
        sink(table)
    report.seconds = round(time.perf_counter() - started, 3)
    return report
