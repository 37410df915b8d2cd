"""`seed --from SOURCE`: an extract read, anonymised, and written into the app's databases.

The extract is read a chunk at a time (see `anonymise.run`); raw rows exist only in memory,
a chunk at a time, between reading and anonymising. What is written, said and kept is the
anonymised data and a report of what was done per column (no value of the extract). Each table
is written in one transaction, chunk by chunk: a failure midway (reading, anonymising or
writing) leaves the rows the table had.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from actions.context import RunContext
from actions.result import Finding, Measurement, Result, Severity, Status
from actions.seed.anonymise.run import AnonymisationReport, Rules, anonymise_extract
from actions.seed.database import engine_for, parse_url, reason_of, where_of
from actions.seed.schema import SeedError

if TYPE_CHECKING:
    from actions.seed.step import SeedRequest


def seed_extract(request: SeedRequest, *, ctx: RunContext) -> Result:
    """Anonymise the extract with the key and load each table into its database."""
    if not request.key or len(request.key) < 16:
        raise SeedError(
            f"set {request.config.key_env} (16 bytes or more): the pseudonymisation key"
        )
    written: dict[str, int] = {}

    def load(name: str, columns: list[str], chunks: Iterable[list[dict[str, Any]]]) -> None:
        database = _database_of(request, name)
        written[name] = write_table(request.databases[database], database, name, columns, chunks)
        ctx.progress(f"{name}: {written[name]:,} anonymised rows into {database}")

    report = anonymise_extract(
        str(request.source),
        request.key,
        load,
        Rules(
            overrides=request.config.overrides or None,
            quasi=request.config.quasi_identifiers or None,
            k=request.config.k,
        ),
        progress=ctx.progress,
        max_mb=request.config.max_extract_mb,
        check=functools.partial(_every_table_has_a_database, request),
    )
    result = _result(report, written)
    for finding in result.findings:  # each column transformed, and how
        ctx.progress(f"{finding.title} ({finding.evidence})")
    return result


def _every_table_has_a_database(request: SeedRequest, tables: list[str]) -> None:
    """Refuse an extract with a table no database is named for, before anything is written."""
    for table in tables:
        _database_of(request, table)


def _database_of(request: SeedRequest, table: str) -> str:
    named = request.config.tables.get(table)
    if named is None and len(request.databases) == 1:
        named = next(iter(request.databases))
    if named is None or named not in request.databases:
        known = ", ".join(sorted(request.databases)) or "none"
        raise SeedError(
            f"which database gets the extract's table {table}? Say it in "
            f"apps.{request.app}.seed.tables (databases: {known})"
        )
    return named


def write_table(
    url: str, database: str, name: str, columns: list[str], chunks: Iterable[list[dict[str, Any]]]
) -> int:
    """Replace the rows of table `name` in the database by `chunks`, in one transaction (the
    table created with text columns if missing); columns the database's table lacks are left
    out. An error while the chunks are read or written rolls back to the rows it had. Rows
    written."""
    parsed = parse_url(url, database)
    where = f"the {database} database at {where_of(parsed)}"
    engine = engine_for(parsed, where)
    written = 0
    try:
        with engine.begin() as conn:
            target = _target(conn, name, columns)
            names = [c for c in columns if c in target.c]
            conn.execute(target.delete())
            for chunk in chunks:
                if chunk:
                    conn.execute(target.insert(), [{n: row.get(n) for n in names} for row in chunk])
                    written += len(chunk)
    except SQLAlchemyError as exc:
        raise SeedError(f"{where}: table {name}: {reason_of(exc, parsed)}") from None
    finally:
        engine.dispose()
    return written


def _target(conn: sa.Connection, name: str, columns: list[str]) -> sa.Table:
    metadata = sa.MetaData()
    if sa.inspect(conn).has_table(name):
        return sa.Table(name, metadata, autoload_with=conn)
    created = sa.Table(name, metadata, *(sa.Column(c, sa.Text) for c in columns))
    created.create(conn)
    return created


def _result(report: AnonymisationReport, written: dict[str, int]) -> Result:
    changed = report.transformed()
    total = sum(written.values())
    summary = (
        f"{total:,} anonymised rows in {len(written)} tables; {len(changed)} columns transformed "
        f"({sum(report.values_replaced.values()):,} values replaced) in {report.seconds:.1f}s"
    )
    measurements = [
        Measurement(name="rows", value=n, tags={"table": table}) for table, n in written.items()
    ]
    measurements += [
        Measurement(name="rows", value=total),
        *(
            Measurement(name="values_replaced", value=n, tags={"kind": kind})
            for kind, n in sorted(report.values_replaced.items())
        ),
    ]
    columns = [
        {
            "table": a.table,
            "column": a.column,
            "kind": a.kind,
            "how": a.how,
            "confidence": round(a.confidence, 2),
            "by": a.by,
        }
        for a in report.actions
    ]
    kanon = {
        table: {"k": r.k, "classes": r.classes, "suppressed": r.suppressed}
        for table, r in report.kanon.items()
    }
    findings = [
        Finding(
            severity=Severity.INFO,
            title=f"{a.table}.{a.column}: {a.how}",
            evidence=f"detected as {a.kind} by {a.by or 'rule'}, confidence {a.confidence:.2f}",
        )
        for a in changed
    ]
    return Result(
        step="seed",
        status=Status.PASS,
        summary=summary,
        findings=findings,
        measurements=measurements,
        data={"mode": "extract", "rows": written, "columns": columns, "kanon": kanon},
    )
