"""Synthetic rows from a seed schema: vectorised, deterministic for a seed, in bounded batches.

`generate` yields `TableBatch`es, parents before children. Each table is made in blocks of
`BLOCK_ROWS` rows (a column at a time, in the order its inputs need); a batch is a slice of
consecutive blocks, so the data for a seed is the same whatever the batch size. The columns that
other tables refer to (keys, looked-up values) are kept whole until the end of the run: memory
is one batch plus those columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from actions.seed import numbers, places, relations, strings
from actions.seed.block import BLOCK_ROWS, BlockContext
from actions.seed.checks import column_order, table_order
from actions.seed.rows import UNIQUE, domain, plan_rows, row_plan
from actions.seed.schema import Column, SeedSchema, Table
from actions.seed.unique import permute

__all__ = ["TableBatch", "generate", "plan_rows"]

GENERATORS = {
    **numbers.GENERATORS,
    **strings.GENERATORS,
    **places.GENERATORS,
    **relations.GENERATORS,
}


@dataclass
class TableBatch:
    """Rows `first_row .. first_row + rows` of one table: a numpy array per column.

    `nulls` holds a boolean mask (True: null) for each column that has nulls; the value under a
    null is meaningless.
    """

    table: str
    database: str
    columns: dict[str, np.ndarray]
    rows: int
    first_row: int
    nulls: dict[str, np.ndarray] = field(default_factory=dict)

    def values(self, column: str) -> list[Any]:
        """One column as Python values: None where null, dates and times as ISO 8601 text (UTC)."""
        array = self.columns[column]
        if array.dtype.kind == "M":
            unit = np.datetime_data(array.dtype)[0]
            text = np.datetime_as_string(array, unit="D" if unit == "D" else "s")
            values = (np.char.add(text, "+00:00") if unit != "D" else text).tolist()
        else:
            values = array.tolist()
        mask = self.nulls.get(column)
        if mask is not None:
            for i in np.flatnonzero(mask).tolist():
                values[i] = None
        return values


def generate(
    schema: SeedSchema, *, seed: int | None = None, scale: float = 1.0, batch_rows: int = 50_000
) -> Iterator[TableBatch]:
    """Every table's rows in batches of at most `batch_rows`, parents before children."""
    seed = schema.seed if seed is None else seed
    plan = row_plan(schema, scale, seed=seed)
    keep = relations.kept_columns(schema.tables)
    kept: dict[str, dict[str, np.ndarray]] = {}
    for table in table_order(schema):
        maker = _TableMaker(table, seed, plan.rows, kept, plan.children_end.get(table.name))
        pieces: dict[str, list[np.ndarray]] = {name: [] for name in keep.get(table.name, ())}
        total = plan.rows[table.name]
        for start in range(0, max(total, 1), max(1, batch_rows)):
            batch = maker.batch(start, min(total, start + batch_rows))
            for name, parts in pieces.items():
                parts.append(batch.columns[name])
            yield batch
        kept[table.name] = {
            name: np.concatenate(parts) if parts else np.empty(0) for name, parts in pieces.items()
        }


class _TableMaker:
    """Makes one table's blocks and cuts batches out of them (the last block is cached)."""

    def __init__(
        self,
        table: Table,
        seed: int,
        rows: dict[str, int],
        kept: dict[str, dict[str, np.ndarray]],
        children_end: np.ndarray | None,
    ) -> None:
        self.table, self.seed, self.rows, self.kept = table, seed, rows, kept
        self.total = rows[table.name]
        self.children_end = children_end
        self.order = column_order(table)
        self.cache: dict[str, Any] = {}
        self.last: tuple[int, dict[str, np.ndarray], dict[str, np.ndarray]] | None = None

    def batch(self, start: int, end: int) -> TableBatch:
        """Rows `start .. end` of the table."""
        columns: dict[str, list[np.ndarray]] = {c.name: [] for c in self.table.columns}
        nulls: dict[str, list[np.ndarray]] = {c.name: [] for c in self.table.columns if c.null}
        for block in range(start // BLOCK_ROWS, (max(end, 1) - 1) // BLOCK_ROWS + 1):
            values, masks = self._block(block)
            low = max(start - block * BLOCK_ROWS, 0)
            high = min(end - block * BLOCK_ROWS, BLOCK_ROWS)
            for name in columns:
                columns[name].append(values[name][low:high])
            for name in nulls:
                nulls[name].append(masks[name][low:high])
        return TableBatch(
            table=self.table.name,
            database=self.table.database,
            columns={name: _concat(parts) for name, parts in columns.items()},
            rows=end - start,
            first_row=start,
            nulls={name: _concat(parts) for name, parts in nulls.items()},
        )

    def _block(self, block: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        if self.last is not None and self.last[0] == block:
            return self.last[1], self.last[2]
        start = block * BLOCK_ROWS
        ctx = BlockContext(
            seed=self.seed,
            table=self.table,
            block=block,
            start=start,
            n=max(0, min(BLOCK_ROWS, self.total - start)),
            rows=self.total,
            kept=self.kept,
            cache=self.cache,
            children_end=self.children_end,
        )
        for column in self.order:
            ctx.values[column.name] = numbers.as_type(self._column(column, ctx), column.type)
        masks = {
            c.name: ctx.rng(c.name, "\0null").random(ctx.n) < c.null
            for c in self.table.columns
            if c.null
        }
        self.last = (block, ctx.values, masks)
        return ctx.values, masks

    def _column(self, column: Column, ctx: BlockContext) -> np.ndarray:
        if column.is_unique and column.kind in UNIQUE:
            index = permute(ctx.index, domain(column, self.rows), ctx.key(column.name))
            return UNIQUE[column.kind][1](column.generator, column, index)
        return GENERATORS[column.kind](column.generator, column, ctx)


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    return parts[0] if len(parts) == 1 else np.concatenate(parts)
