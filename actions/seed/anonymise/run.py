"""An extract anonymised as a stream: read, detect, plan, transform, report. Nothing written to
disk here: each anonymised table goes to a sink chunk by chunk.

`anonymise_streams` is the one implementation. It reads each table of the extract in chunks,
three times at most (twice for a table with nothing to remember or count; four times for one
whose quasi-identifiers include a pseudonymised column, see below):

1. every table: a seeded reservoir sample of each column (the sample detection reads), then
   detection and the plan;
2. every table with name or key-like columns to pseudonymise, or quasi-identifiers: the name
   words the pseudonymiser learns (for free text), the values it reserves (no pseudonym may be
   another person's real value), and the row counts per class of generalised quasi-identifiers;
   all of this before any value is replaced, as joins across tables need;
3. every table: each chunk transformed (pseudonymised, scrubbed, generalised, masked when its
   class is smaller than k, dropped columns left out) and handed to the sink.

Held in memory besides a chunk: the samples of one table (columns x `sample` values), the name
words learnt, the distinct values of key-like columns reserved (memory grows with those), the
class counts of quasi-identifiers, and a bounded cache of pseudonyms. When a quasi-identifier
is itself pseudonymised (a `quasi` setting), its classes are counted from its pseudonyms, in a
read of that table just before its pass 3.

`anonymise` takes tables in memory and returns new ones with the report; `anonymise_extract`
reads a source (`sources.open_extract`). Progress messages and the report carry names and
counts only: never a value of the extract.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from actions.seed.anonymise.detect import detect_column
from actions.seed.anonymise.kanon import KReport, small_classes
from actions.seed.anonymise.plan import parse_overrides, plan_table
from actions.seed.anonymise.pseudonym import REMEMBERED, Pseudonymiser, name_words
from actions.seed.anonymise.reservoir import Reservoir
from actions.seed.anonymise.sources import MAX_EXTRACT_MB, ReadBounds, open_extract
from actions.seed.anonymise.table import CHUNK_ROWS, PiiKind, Row, Table, TableStream
from actions.seed.anonymise.transform import ClassKey, TablePlan, Tally, how

Progress = Callable[[str], None]
# Takes one anonymised table: its name, its columns and its rows chunk by chunk (to be read to
# the end); what it returns is ignored. An error raised while the chunks are read comes out of
# the iterator, so a sink writing in a transaction rolls it back.
TableSink = Callable[[str, list[str], Iterator[list[dict[str, Any]]]], object]
PROGRESS_FROM = 50_000  # rows of a table before its first "n rows anonymised"; then doubling


@dataclass(frozen=True)
class Rules:
    """How an extract is anonymised: kinds forced per `table.column` (or keep/drop), the
    quasi-identifiers of a table (default: by kind), the k of k-anonymity, and how many values
    of a column detection samples."""

    overrides: Mapping[str, str] | None = None
    quasi: Mapping[str, Sequence[str]] | None = None
    k: int = 5
    sample: int = 1000


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
    rules: Rules = Rules(),
    *,
    progress: Progress | None = None,
) -> tuple[dict[str, Table], AnonymisationReport]:
    """The tables with personal data pseudonymised, free text scrubbed and quasi-identifiers
    generalised to k-anonymity (small classes masked, rows kept for the tables that refer to
    them), and the report."""
    out: dict[str, Table] = {}

    def collect(name: str, columns: list[str], chunks: Iterator[list[dict[str, Any]]]) -> None:
        out[name] = Table(name, columns, [row for chunk in chunks for row in chunk])

    streams = [dataclasses.replace(TableStream.of(t), name=n) for n, t in tables.items()]
    report = anonymise_streams(streams, key, collect, rules, progress=progress)
    return out, report


def anonymise_streams(
    streams: Sequence[TableStream],
    key: bytes,
    sink: TableSink,
    rules: Rules = Rules(),
    *,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> AnonymisationReport:
    """Anonymises each table of an extract and hands it to `sink` chunk by chunk (see the
    module's docstring for the passes and what is held in memory); the report."""
    started = time.perf_counter()
    say = progress or _quiet
    pseudonymiser = Pseudonymiser(key)  # a bad key fails before any work
    quasi, sample = rules.quasi, rules.sample
    by_table = parse_overrides(rules.overrides or {}, {s.name: s.columns for s in streams})
    plans: dict[str, TablePlan] = {}
    read = 0
    for stream in streams:  # pass 1
        say(f"{stream.name}: looking for personal data in {len(stream.columns)} columns")
        wanted = None if quasi is None or stream.name not in quasi else list(quasi[stream.name])
        plan, n = _plan(stream, by_table.get(stream.name), wanted, sample, chunk_rows)
        plans[stream.name], read = plan, read + n
    say(f"read {len(streams)} tables, {read:,} rows")
    counts = {name: Counter[ClassKey]() for name, plan in plans.items() if plan.rules}
    _remember(streams, plans, pseudonymiser, counts, chunk_rows)  # pass 2
    actions: list[ColumnAction] = []
    kanon: dict[str, KReport] = {}
    rows: dict[str, int] = {}
    tally = Tally()
    for stream in streams:  # pass 3
        plan = plans[stream.name]
        small: set[ClassKey] = set()
        if plan.rules:
            if plan.classes_need_pseudonyms:
                counts[stream.name] = _classes(stream, plan, pseudonymiser, chunk_rows)
            small, kanon[stream.name] = small_classes(
                counts.pop(stream.name), list(plan.rules), k=rules.k
            )
            kanon[stream.name].rules = dict(plan.rules)
        written = [0, 0]  # rows anonymised, and when that was last said
        chunks = _anonymised(stream, plan, pseudonymiser, tally, small, chunk_rows, written, say)
        with closing(chunks):
            sink(stream.name, plan.kept, chunks)
        rows[stream.name] = written[0]
        if written[1] != written[0] or not written[0]:
            say(f"{stream.name}: {written[0]:,} rows anonymised")
        for column_plan in plan.plans:
            actions.append(
                ColumnAction(
                    stream.name,
                    column_plan.column,
                    column_plan.kind,
                    how(column_plan, tally),
                    column_plan.confidence,
                    column_plan.by,
                )
            )
    seconds = round(time.perf_counter() - started, 3)
    return AnonymisationReport(actions, kanon, rows, seconds, dict(tally.replaced))


def _plan(
    stream: TableStream,
    overrides: Mapping[str, str] | None,
    quasi: Sequence[str] | None,
    sample: int,
    chunk_rows: int,
) -> tuple[TablePlan, int]:
    """Pass 1 of one table: a reservoir sample per column, detection from it; the plan and
    the rows read."""
    samples = {column: Reservoir(sample, seed=0) for column in stream.columns}
    rows = 0
    for chunk in _read(stream, chunk_rows):
        rows += len(chunk)
        for column, reservoir in samples.items():
            add = reservoir.add
            for row in chunk:
                value = row.get(column)
                if value is not None and (value := value.strip()):
                    add(value)
    findings = [
        detect_column(stream.name, column, reservoir.values, sample=sample)
        for column, reservoir in samples.items()
    ]
    plans, rules = plan_table(findings, overrides=overrides, quasi=quasi)
    return TablePlan(stream.name, list(stream.columns), plans, rules), rows


def _remember(
    streams: Sequence[TableStream],
    plans: Mapping[str, TablePlan],
    p: Pseudonymiser,
    counts: dict[str, Counter[ClassKey]],
    chunk_rows: int,
) -> None:
    """Pass 2: the name words to learn and the values to reserve of every table, in table and
    column order as if read whole, and the class counts that need no pseudonym."""
    learnt: list[dict[str, PiiKind]] = []
    for stream in streams:
        plan = plans[stream.name]
        remembered = [c for c in plan.plans if c.do == "pseudonymise" and c.kind in REMEMBERED]
        count = stream.name in counts and not plan.classes_need_pseudonyms
        if not remembered and not count:
            continue
        words: list[dict[str, PiiKind]] = [{} for _ in remembered]
        classes = counts.get(stream.name, Counter())
        for chunk in _read(stream, chunk_rows):
            for column, into in zip(remembered, words, strict=True):
                values = [row.get(column.column) for row in chunk]
                name_words(column.kind, values, into)
                p.reserve(column.kind, values)
            if count:
                classes.update(plan.class_of_read(row) for row in chunk)
        learnt += words
    for into in learnt:  # a word keeps the kind of the first column that had it
        p.learn_words(into)


def _classes(
    stream: TableStream, plan: TablePlan, p: Pseudonymiser, chunk_rows: int
) -> Counter[ClassKey]:
    """The class counts of a table whose quasi-identifiers include pseudonymised ones."""
    classes: Counter[ClassKey] = Counter()
    for chunk in _read(stream, chunk_rows):
        classes.update(plan.class_of(row) for row in plan.transform(chunk, p, Tally()))
    return classes


def _anonymised(
    stream: TableStream,
    plan: TablePlan,
    p: Pseudonymiser,
    tally: Tally,
    small: set[ClassKey],
    chunk_rows: int,
    written: list[int],
    say: Progress,
) -> Generator[list[dict[str, Any]], None, None]:
    """Pass 3 of one table: its chunks anonymised, the rows counted in `written[0]` (and in
    `written[1]` when last said)."""
    told = PROGRESS_FROM
    for chunk in _read(stream, chunk_rows):
        out = plan.transform(chunk, p, tally, small)
        written[0] += len(out)
        yield out
        if written[0] >= told:
            say(f"{stream.name}: {written[0]:,} rows anonymised")
            written[1], told = written[0], told * 2


def _read(stream: TableStream, chunk_rows: int) -> Generator[list[Row], None, None]:
    """A table's chunks, its reader (a file, a cursor) closed also when a pass stops midway."""
    chunks = stream.chunks(chunk_rows)
    try:
        yield from chunks
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def anonymise_extract(
    source: str,
    key: bytes,
    sink: TableSink,
    rules: Rules = Rules(),
    *,
    progress: Progress | None = None,
    max_mb: float = MAX_EXTRACT_MB,
    chunk_rows: int = CHUNK_ROWS,
    check: Callable[[list[str]], None] | None = None,
) -> AnonymisationReport:
    """Reads an extract (CSV folder, database URL or .sql dump of at most `max_mb`) a chunk at
    a time, anonymises it and hands each table to `sink` chunk by chunk; the raw rows never
    leave this function. `check` sees the extract's table names before any work (and may
    refuse them). The report's `seconds` is the whole: reading, anonymising and the sink's
    writing."""
    started = time.perf_counter()
    say = progress or _quiet
    say("reading the extract")
    with open_extract(source, ReadBounds(max_mb=max_mb)) as streams:
        if check is not None:
            check([stream.name for stream in streams])
        report = anonymise_streams(streams, key, sink, rules, progress=say, chunk_rows=chunk_rows)
    report.seconds = round(time.perf_counter() - started, 3)
    return report
