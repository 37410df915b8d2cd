"""Reading a production extract: a folder of CSV files, a database, or a SQL dump.

`read_extract(source)` takes a folder (each `*.csv` a table named after its file), a SQLAlchemy
URL (`postgresql+psycopg://.../shop?tables=customers,orders`, or every table without
`tables=`), or a `.sql` file (pg_dump plain format or sqlite `.dump`, see `sqldump`). Cells
come back as text as the database prints them; NULL and empty CSV cells as None. Errors name
the source (a URL with its password hidden), never a value read from it.

An extract is anonymised in memory (about four times its size in text), so it is bounded:
files larger than `max_mb` are refused before they are read, and a database read stops (rows
streamed from a server-side cursor) once its values pass `max_mb`: a plain error, not a bot
killed by the machine running out of memory.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actions.errors import BackendUnavailable, UsageError
from actions.seed.anonymise.sqldump import read_dump
from actions.seed.anonymise.table import Table

if TYPE_CHECKING:
    import sqlalchemy as sa


STATEMENT_TIMEOUT_S = 300.0  # a PostgreSQL query of an extract (the loading side has its own)
MAX_EXTRACT_MB = 1024.0  # `seed.max_extract_mb`
READ_ROWS = 5000  # rows fetched at a time from a database
_MB = 1024 * 1024


class ExtractTooLarge(UsageError):
    """The extract is larger than the bound on what is anonymised in memory."""

    def __init__(self, what: str, max_mb: float, size: str = "") -> None:
        held = f"is {size}" if size else f"holds more than {max_mb:g} MB of values"
        super().__init__(
            f"{what} {held}: extracts are anonymised in memory (about four times their size), "
            f"up to seed.max_extract_mb ({max_mb:g} MB). Take a smaller extract (fewer tables, "
            "`?tables=...`, or a sample of rows) or raise the bound (`--max-mb` for "
            "`preprod data anonymise`)."
        )


class _Budget:
    """Bytes of values read so far from a database, against the bound."""

    def __init__(self, what: str, max_mb: float) -> None:
        self.what, self.max_mb, self.left = what, max_mb, max_mb * _MB

    def take(self, row: dict[str, str | None]) -> None:
        self.left -= sum(len(v) for v in row.values() if v is not None)
        if self.left < 0:
            raise ExtractTooLarge(self.what, self.max_mb)


@dataclass(frozen=True)
class ReadBounds:
    """How long and how much reading an extract may take."""

    timeout: float = 10.0  # seconds to connect to a database
    statement_timeout: float = STATEMENT_TIMEOUT_S  # seconds for one query (PostgreSQL)
    max_mb: float = MAX_EXTRACT_MB  # the extract's size (files) or values read (a database)


def read_extract(source: str, bounds: ReadBounds = ReadBounds()) -> dict[str, Table]:
    """The tables of an extract: a CSV folder, a SQLAlchemy URL or a .sql dump file, refused
    when larger than `bounds.max_mb`."""
    max_mb = bounds.max_mb
    if "://" in source:
        return read_database(source, bounds)
    path = Path(source)
    if path.is_dir():
        _fits(sorted(path.glob("*.csv")), path.name, max_mb)
        return read_csv_folder(path)
    if path.is_file() and path.suffix.lower() == ".sql":
        _fits([path], path.name, max_mb)
        return read_dump(path.read_text(encoding="utf-8", errors="surrogateescape"))
    if path.is_file() and path.suffix.lower() == ".csv":
        _fits([path], path.name, max_mb)
        return {path.stem: read_csv(path)}
    raise UsageError(
        f"cannot read an extract from {source}: give a folder of CSV files, a .sql dump or a "
        "database URL (e.g. postgresql+psycopg://host/db?tables=customers,orders)"
    )


def _fits(files: list[Path], what: str, max_mb: float) -> None:
    size = sum(f.stat().st_size for f in files)
    if size > max_mb * _MB:
        raise ExtractTooLarge(what, max_mb, f"{size / _MB:,.0f} MB")


def read_csv(path: Path) -> Table:
    """One CSV file with a header row as a table; empty cells are None."""
    try:
        return _read_csv(path)
    except UnicodeDecodeError:
        raise UsageError(f"{path.name} is not UTF-8 text") from None
    except csv.Error as exc:  # the csv module's messages hold no cell
        raise UsageError(f"{path.name} is not a readable CSV file: {exc}") from None


def _read_csv(path: Path) -> Table:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if not header:
            raise UsageError(f"{path.name} has no header row")
        table = Table(path.stem, [h.strip() for h in header])
        for cells in reader:
            if not cells:
                continue
            if len(cells) != len(header):
                width = f"{len(cells)} cells for {len(header)} columns"
                raise UsageError(f"{path.name}, line {reader.line_num}: {width}")
            cells_of = zip(table.columns, cells, strict=True)
            table.rows.append({c: v if v != "" else None for c, v in cells_of})
    return table


def read_csv_folder(folder: Path) -> dict[str, Table]:
    """Every `*.csv` of a folder, each a table named after its file."""
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise UsageError(f"no CSV files in {folder}")
    return {f.stem: read_csv(f) for f in files}


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


def read_database(url: str, bounds: ReadBounds = ReadBounds()) -> dict[str, Table]:
    """The tables named by `?tables=a,b` (every table without it) of a database, read whole
    within `bounds`."""
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
    try:
        with engine.connect() as conn:
            present = sa.inspect(conn).get_table_names()
            chosen = [n.strip() for n in names.split(",") if n.strip()] or present
            missing = [n for n in chosen if n not in present]
            if missing:
                raise UsageError(f"{shown} has no table {', '.join(missing)}")
            if not chosen:
                raise UsageError(f"{shown} has no tables")
            budget = _Budget(shown, bounds.max_mb)
            return {name: _read_table(conn, name, budget) for name in chosen}
    except SQLAlchemyError as exc:
        reason = _reason(exc)
        raise BackendUnavailable(f"could not read the extract from {shown}: {reason}") from None
    finally:
        engine.dispose()


def _read_table(conn: sa.Connection, name: str, budget: _Budget) -> Table:
    import sqlalchemy as sa

    table = sa.Table(name, sa.MetaData(), autoload_with=conn)
    columns = [c.name for c in table.columns]
    result = Table(name, columns)
    streamed = sa.select(table).execution_options(yield_per=READ_ROWS)  # a server-side cursor
    with conn.execute(streamed) as rows:  # closes the cursor also when the bound stops the read
        for row in rows:
            cells = dict(zip(columns, map(_text, row), strict=True))
            budget.take(cells)
            result.rows.append(cells)
    return result


def _reason(exc: Exception) -> str:
    """The driver's first line (never the statement or its parameters)."""
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [""])[0]
    return f"{type(orig).__name__}: {first[:200]}" if first else type(orig).__name__
