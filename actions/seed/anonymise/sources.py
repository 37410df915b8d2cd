"""Reading a production extract: a folder of CSV files, a database, or a SQL dump.

`open_extract(source)` gives each table of an extract as a stream of chunks that can be read
again (the anonymiser reads a table two or three times): a folder (each `*.csv` a table named
after its file), a SQLAlchemy URL (`postgresql+psycopg://.../shop?tables=customers,orders`, or
every table without `tables=`; see `dbsource`), or a `.sql` file (pg_dump plain format or
sqlite `.dump`, see `sqldump`). Cells come back as text as the database prints them; NULL and
empty CSV cells as None. Errors name the source (a URL with its password hidden), never a value
read from it. `read_extract(source)` reads the whole extract into memory, for tests and tools.

CSV files and databases are streamed: what they hold does not bound memory. A SQL dump is parsed
as text, whole, so a dump larger than `max_mb` is refused before it is read: a plain error, not
a bot killed by the machine running out of memory.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from actions.errors import UsageError
from actions.seed.anonymise.dbsource import open_database
from actions.seed.anonymise.sqldump import read_dump
from actions.seed.anonymise.table import Row, Table, TableStream

STATEMENT_TIMEOUT_S = 300.0  # a PostgreSQL query of an extract (the loading side has its own)
MAX_EXTRACT_MB = 1024.0  # `seed.max_extract_mb`: SQL dumps only
_MB = 1024 * 1024


class ExtractTooLarge(UsageError):
    """The SQL dump is larger than the bound on what is parsed in memory."""

    def __init__(self, what: str, max_mb: float, size: str) -> None:
        super().__init__(
            f"{what} is {size}: SQL dumps are read whole into memory (about four times their "
            f"size), up to seed.max_extract_mb ({max_mb:g} MB). Take a smaller extract (fewer "
            "tables, or a sample of rows), give it as CSV files or a database URL (streamed, "
            "not bounded), or raise the bound (`--max-mb` for `preprod data anonymise`)."
        )


@dataclass(frozen=True)
class ReadBounds:
    """How long reading an extract may take, and how large a SQL dump may be."""

    timeout: float = 10.0  # seconds to connect to a database
    statement_timeout: float = STATEMENT_TIMEOUT_S  # seconds for one query (PostgreSQL)
    max_mb: float = MAX_EXTRACT_MB  # a SQL dump's size (CSV files and databases are streamed)


@contextmanager
def open_extract(source: str, bounds: ReadBounds = ReadBounds()) -> Iterator[list[TableStream]]:
    """The tables of an extract (a CSV folder or file, a SQLAlchemy URL or a .sql dump file) as
    streams readable until the block ends; a dump larger than `bounds.max_mb` is refused."""
    if "://" in source:
        with open_database(source, bounds) as tables:
            yield tables
        return
    path = Path(source)
    if path.is_dir():
        files = sorted(path.glob("*.csv"))
        if not files:
            raise UsageError(f"no CSV files in {path}")
        yield [csv_stream(f) for f in files]
    elif path.is_file() and path.suffix.lower() == ".sql":
        size = path.stat().st_size
        if size > bounds.max_mb * _MB:
            raise ExtractTooLarge(path.name, bounds.max_mb, f"{size / _MB:,.0f} MB")
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        yield [TableStream.of(t) for t in read_dump(text).values()]
    elif path.is_file() and path.suffix.lower() == ".csv":
        yield [csv_stream(path)]
    else:
        raise UsageError(
            f"cannot read an extract from {source}: give a folder of CSV files, a .sql dump or a "
            "database URL (e.g. postgresql+psycopg://host/db?tables=customers,orders)"
        )


def read_extract(source: str, bounds: ReadBounds = ReadBounds()) -> dict[str, Table]:
    """The tables of an extract read whole into memory (see `open_extract`)."""
    with open_extract(source, bounds) as streams:
        return {
            s.name: Table(s.name, s.columns, [row for chunk in s.chunks() for row in chunk])
            for s in streams
        }


def csv_stream(path: Path) -> TableStream:
    """One CSV file with a header row as a table, read a chunk at a time; empty cells are None.
    The header is read now: a file without one is refused before any pass."""
    with _reading(path), path.open(encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f), None)
    if not header:
        raise UsageError(f"{path.name} has no header row")
    columns = [h.strip() for h in header]

    def read(size: int) -> Iterator[list[Row]]:
        with _reading(path):
            yield from _csv_chunks(path, columns, size)

    return TableStream(path.stem, columns, read)


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    try:
        yield
    except UnicodeDecodeError:
        raise UsageError(f"{path.name} is not UTF-8 text") from None
    except csv.Error as exc:  # the csv module's messages hold no cell
        raise UsageError(f"{path.name} is not a readable CSV file: {exc}") from None


def _csv_chunks(path: Path, columns: list[str], size: int) -> Iterator[list[Row]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)  # the header
        chunk: list[Row] = []
        for cells in reader:
            if not cells:
                continue
            if len(cells) != len(columns):
                width = f"{len(cells)} cells for {len(columns)} columns"
                raise UsageError(f"{path.name}, line {reader.line_num}: {width}")
            chunk.append({c: v if v != "" else None for c, v in zip(columns, cells, strict=True)})
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
