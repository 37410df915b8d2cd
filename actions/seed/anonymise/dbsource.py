"""A database as an extract: each table a stream of chunks from a server-side cursor.

The tables are named by `?tables=a,b` in the SQLAlchemy URL (every table without it). One
connection serves every read of the extract, so its passes see the same rows: on PostgreSQL
it is one read-only REPEATABLE READ transaction (one snapshot), and each query is cut off by
`statement_timeout`. Errors name the database with its password hidden, never a value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actions.errors import BackendUnavailable, UsageError
from actions.seed.anonymise.table import Row, TableStream

if TYPE_CHECKING:
    import sqlalchemy as sa

    from actions.seed.anonymise.sources import ReadBounds


def _text(value: Any) -> str | None:
    """A database value as text, as the database would print it."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return str(value)


def _connect_args(url: sa.URL, bounds: ReadBounds) -> dict[str, Any]:
    timeout, statement_timeout = bounds.timeout, bounds.statement_timeout
    backend = url.get_backend_name()
    if backend == "sqlite":
        return {"timeout": timeout}
    if backend == "postgresql":  # a query that hangs is cut off by the server, not waited on
        return {
            "connect_timeout": max(1, round(timeout)),
            "options": f"-c statement_timeout={round(statement_timeout * 1000)}",
        }
    if backend in ("mysql", "mariadb"):
        return {"connect_timeout": max(1, round(timeout))}
    return {}


def _reason(exc: Exception) -> str:
    """The driver's first line (never the statement or its parameters)."""
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [""])[0]
    return f"{type(orig).__name__}: {first[:200]}" if first else type(orig).__name__


@contextmanager
def open_database(url: str, bounds: ReadBounds) -> Iterator[list[TableStream]]:
    """The tables named by `?tables=a,b` (every table without it) of a database, as streams
    that stay readable until the block ends."""
    import sqlalchemy as sa  # on first use: the CLI starts faster without it
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    try:
        parsed = sa.make_url(url)
    except ArgumentError:
        raise UsageError("the extract source is not a valid database URL") from None
    wanted = parsed.query.get("tables")
    names = ",".join(wanted) if isinstance(wanted, tuple) else (wanted or "")
    parsed = parsed.difference_update_query(["tables"])
    shown = parsed.render_as_string(hide_password=True)
    on_disk = parsed.get_backend_name() == "sqlite" and parsed.database not in (
        None,
        "",
        ":memory:",
    )
    if on_disk and not Path(str(parsed.database)).is_file():  # sqlite would make an empty one
        raise UsageError(f"there is no sqlite database at {parsed.database}")
    try:
        engine = sa.create_engine(parsed, connect_args=_connect_args(parsed, bounds))
    except (ArgumentError, ImportError) as exc:
        raise UsageError(f"cannot open {shown}: {type(exc).__name__}") from None

    def failed(exc: Exception) -> BackendUnavailable:
        return BackendUnavailable(f"could not read the extract from {shown}: {_reason(exc)}")

    try:
        conn = engine.connect()
    except SQLAlchemyError as exc:
        engine.dispose()
        raise failed(exc) from None
    try:
        try:
            if parsed.get_backend_name() == "postgresql":  # every pass reads the same snapshot
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            present = sa.inspect(conn).get_table_names()
            chosen = [n.strip() for n in names.split(",") if n.strip()] or present
            missing = [n for n in chosen if n not in present]
            if missing:
                raise UsageError(f"{shown} has no table {', '.join(missing)}")
            if not chosen:
                raise UsageError(f"{shown} has no tables")
            tables = [sa.Table(n, sa.MetaData(), autoload_with=conn) for n in chosen]
        except SQLAlchemyError as exc:
            raise failed(exc) from None
        yield [_stream(conn, table, failed) for table in tables]
    finally:
        conn.close()
        engine.dispose()


def _stream(
    conn: sa.Connection, table: sa.Table, failed: Callable[[Exception], BackendUnavailable]
) -> TableStream:
    import sqlalchemy as sa
    from sqlalchemy.exc import SQLAlchemyError

    columns = [c.name for c in table.columns]

    def read(size: int) -> Iterator[list[Row]]:
        streamed = sa.select(table).execution_options(yield_per=size)  # a server-side cursor
        try:
            with conn.execute(streamed) as rows:  # closed also when a pass stops midway
                for part in rows.partitions():
                    yield [dict(zip(columns, map(_text, row), strict=True)) for row in part]
        except SQLAlchemyError as exc:
            raise failed(exc) from None

    return TableStream(table.name, columns, read)
