"""The shapes an extract is read into and the anonymiser works on: tables of text cells."""

from __future__ import annotations

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


@dataclass
class Table:
    """One table of an extract, row by row: every cell is text or None (SQL NULL, empty CSV)."""

    name: str
    columns: list[str]
    rows: list[dict[str, str | None]] = field(default_factory=list)

    def column(self, name: str) -> list[str | None]:
        """The cells of one column, in row order."""
        return [row.get(name) for row in self.rows]

    def by_column(self) -> dict[str, list[str | None]]:
        """Every column's cells, in row order (the columnar view detection and loaders take)."""
        return {name: self.column(name) for name in self.columns}

    def __repr__(self) -> str:  # a table's repr never shows its cells
        return f"Table(name={self.name!r}, columns={self.columns!r}, rows=<{len(self.rows)} rows>)"
