"""The shapes an extract is read into and the anonymiser works on: tables of text cells."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

PiiKind = Literal[
    "email",
    "phone",
    "first_name",
    "last_name",
    "full_name",
    "street_address",
    "postcode",
    "city",
    "birth_date",
    "iban",
    "card",
    "ssn",
    "ip",
    "free_text",
    "none",
]
KINDS: tuple[PiiKind, ...] = (
    *("email", "phone", "first_name", "last_name", "full_name", "street_address", "postcode"),
    *("city", "birth_date", "iban", "card", "ssn", "ip", "free_text", "none"),
)


Row = dict[str, str | None]
CHUNK_ROWS = 5000  # rows read, anonymised and written at a time


@dataclass
class Table:
    """One table of an extract, row by row: every cell is text or None (SQL NULL, empty CSV)."""

    name: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)

    def column(self, name: str) -> list[str | None]:
        """The cells of one column, in row order."""
        return [row.get(name) for row in self.rows]

    def by_column(self) -> dict[str, list[str | None]]:
        """Every column's cells, in row order (the columnar view detection and loaders take)."""
        return {name: self.column(name) for name in self.columns}

    def __repr__(self) -> str:  # a table's repr never shows its cells
        return f"Table(name={self.name!r}, columns={self.columns!r}, rows=<{len(self.rows)} rows>)"


@dataclass(frozen=True)
class TableStream:
    """One table of an extract as chunks of rows, read again from the start at each `chunks()`
    (the anonymiser reads a table two or three times; only a chunk is held at a time)."""

    name: str
    columns: list[str]
    read: Callable[[int], Iterator[list[Row]]]  # chunks of at most that many rows

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[list[Row]]:
        """The table's rows from the first, `size` at a time (the last chunk may be shorter)."""
        return self.read(size)

    @classmethod
    def of(cls, table: Table) -> TableStream:
        """A table already in memory, as a stream of its rows (not copied)."""

        def read(size: int) -> Iterator[list[Row]]:
            for start in range(0, len(table.rows), size):
                yield table.rows[start : start + size]

        return cls(table.name, list(table.columns), read)

    def __repr__(self) -> str:
        return f"TableStream(name={self.name!r}, columns={self.columns!r})"
