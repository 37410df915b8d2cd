"""Where generated rows go: a database (see `database.py`), CSV files or Parquet files.

A sink takes `TableBatch`es and is closed once, saying whether all went well; `write_all` sends
each batch to the sink of its table's database and reports rows per table. Files are one per
table, named after it; a failed write removes the files it had begun (a database rolls back).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np

from actions.seed.database import database_sink
from actions.seed.generate import TableBatch
from actions.seed.schema import SeedError

__all__ = ["Sink", "csv_sink", "database_sink", "parquet_sink", "write_all"]


class Sink(Protocol):
    """Somewhere batches of rows are written."""

    def write(self, batch: TableBatch) -> None:
        """Write one batch (a table's batches come in row order)."""

    def close(self, ok: bool = True) -> None:
        """Finish writing: flush, commit, release; when not `ok`, undo what was written."""


class _CsvSink:
    """One RFC 4180 CSV file per table: a header, CRLF line ends, quotes only where needed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[str, tuple[IO[str], Any]] = {}

    def write(self, batch: TableBatch) -> None:
        if batch.table not in self.files:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle = _open(self.folder / f"{batch.table}.csv", "w")
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(batch.columns)
            self.files[batch.table] = (handle, writer)
        columns = [_csv_values(batch, name) for name in batch.columns]
        self.files[batch.table][1].writerows(zip(*columns, strict=True))

    def close(self, ok: bool = True) -> None:
        for handle, _ in self.files.values():
            handle.close()
        if not ok:
            _remove(self.folder, self.files, ".csv")


def _open(path: Path, mode: str) -> IO[str]:
    try:
        return path.open(mode, encoding="utf-8", newline="")
    except OSError as exc:
        raise SeedError(f"cannot write {path} ({exc.strerror})") from None


def _csv_values(batch: TableBatch, name: str) -> list[Any]:
    values = batch.values(name)
    if batch.columns[name].dtype == np.bool_:
        return [None if v is None else ("true" if v else "false") for v in values]
    return values


def csv_sink(folder: Path) -> Sink:
    """A sink writing `<folder>/<table>.csv` for each table (nulls as empty fields)."""
    return _CsvSink(folder)


class _ParquetSink:
    """One Parquet file per table, a row group per batch."""

    def __init__(self, folder: Path) -> None:
        import pyarrow as pa  # imported on first use: about 0.5 s
        import pyarrow.parquet as pq

        self.pa, self.pq, self.folder = pa, pq, folder
        self.writers: dict[str, Any] = {}

    def write(self, batch: TableBatch) -> None:
        pa = self.pa
        arrays = [
            pa.array(values, type=_arrow_type(pa, values.dtype), mask=batch.nulls.get(name, None))
            for name, values in batch.columns.items()
        ]
        table = pa.Table.from_arrays(arrays, names=list(batch.columns))
        if batch.table not in self.writers:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{batch.table}.parquet"
            try:
                self.writers[batch.table] = self.pq.ParquetWriter(path, table.schema)
            except OSError as exc:
                raise SeedError(f"cannot write {path} ({exc})") from None
        self.writers[batch.table].write_table(table)

    def close(self, ok: bool = True) -> None:
        for writer in self.writers.values():
            writer.close()
        if not ok:
            _remove(self.folder, self.writers, ".parquet")


def _remove(folder: Path, tables: Iterable[str], suffix: str) -> None:
    """The files a failed write began: half a table is worse than none."""
    for table in tables:
        (folder / f"{table}{suffix}").unlink(missing_ok=True)


def _arrow_type(pa: Any, dtype: np.dtype[Any]) -> Any:
    if dtype.kind == "M":
        unit = np.datetime_data(dtype)[0]
        return pa.date32() if unit == "D" else pa.timestamp(unit, tz="UTC")
    if dtype.kind == "O":
        return pa.string()
    return pa.from_numpy_dtype(dtype)


def parquet_sink(folder: Path) -> Sink:
    """A sink writing `<folder>/<table>.parquet` for each table (pyarrow)."""
    return _ParquetSink(folder)


def write_all(
    batches: Iterable[TableBatch],
    sinks: Mapping[str, Sink],
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write every batch to its database's sink (or the sink under "*"); rows per table.

    Every sink is closed at the end; when a batch fails, each is closed as failed (a database
    rolls back to the rows it had, files begun are removed) and the first error is raised.
    """
    written: dict[str, int] = {}
    ok = False
    try:
        for batch in batches:
            sink = sinks.get(batch.database) or sinks.get("*")
            if sink is None:
                raise SeedError(
                    f"no target for the {batch.database!r} database (table {batch.table}); "
                    f"targets: {', '.join(sinks) or 'none'}"
                )
            sink.write(batch)
            written[batch.table] = written.get(batch.table, 0) + batch.rows
            if progress is not None:
                progress(f"{batch.table}: {written[batch.table]:,} rows")
        ok = True
    finally:
        _close_all(sinks.values(), ok=ok)
    return written


def _close_all(sinks: Iterable[Sink], *, ok: bool) -> None:
    """Close each sink once; a sink failing to close fails the others' (not yet committed)
    writes too, and its error is raised after all are closed."""
    error: BaseException | None = None
    closed: set[int] = set()
    for sink in sinks:
        if id(sink) in closed:
            continue
        closed.add(id(sink))
        try:
            sink.close(ok=ok and error is None)
        except Exception as exc:  # every sink is closed, then the first error raised
            error = error or exc
    if error is not None and ok:
        raise error
