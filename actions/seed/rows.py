"""How many rows each table gets: counts scaled, `per:` children drawn, uniqueness possible.

A root table's count is `rows × scale`; a `per:` table's rows are drawn per parent row from its
distribution (seeded per block of parents, so the counts depend only on the seed) and follow
the parent's scale. Every unique column is checked against the number of distinct values its
generator can make, before anything is generated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from actions.seed import numbers, places, specs, strings
from actions.seed.block import BLOCK_ROWS, rng_for
from actions.seed.checks import table_order
from actions.seed.schema import Column, Per, SeedError, SeedSchema
from actions.seed.unique import MAX_DOMAIN

UNIQUE = {**numbers.UNIQUE, **strings.UNIQUE, **places.UNIQUE}


@dataclass(frozen=True)
class RowPlan:
    """Rows per table (parents first) and, for `per:` tables, where each parent's rows end."""

    rows: dict[str, int]
    children_end: dict[str, np.ndarray]


def plan_rows(schema: SeedSchema, scale: float = 1.0, *, seed: int | None = None) -> dict[str, int]:
    """Rows per table, parents first, for `scale` and `seed` (the schema's seed by default)."""
    return row_plan(schema, scale, seed=seed).rows


def row_plan(schema: SeedSchema, scale: float = 1.0, *, seed: int | None = None) -> RowPlan:
    """The row counts and per-parent child counts; SeedError when a unique column cannot be."""
    if not scale > 0:
        raise SeedError(f"the scale must be above 0, not {scale}")
    seed = schema.seed if seed is None else seed
    rows: dict[str, int] = {}
    children_end: dict[str, np.ndarray] = {}
    for table in table_order(schema):
        if table.per is None:
            assert table.rows is not None  # a table has rows or per (checked on load)
            rows[table.name] = round(table.rows * scale)
        else:
            counts = per_counts(table.per, seed, table.name, rows[table.per.table])
            children_end[table.name] = np.cumsum(counts)
            rows[table.name] = int(children_end[table.name][-1]) if len(counts) else 0
    problems = [
        f"{table.name}.{column.name}: {problem}"
        for table in schema.tables
        for column in table.columns
        if column.is_unique
        for problem in [_capacity_problem(column, rows[table.name], rows)]
        if problem
    ]
    if problems:
        raise SeedError("\n".join(problems))
    return RowPlan(rows, children_end)


def per_counts(per: Per, seed: int, table: str, parents: int) -> np.ndarray:
    """How many rows of `table` each of the `parents` rows gets."""
    counts = np.empty(parents, dtype=np.int64)
    for block, start in enumerate(range(0, parents, BLOCK_ROWS)):
        n = min(BLOCK_ROWS, parents - start)
        rng = rng_for(seed, table, "\0per", block)
        if per.distribution == "poisson":
            drawn = rng.poisson(per.mean, n)
        elif per.distribution == "geometric":
            drawn = rng.geometric(1.0 / (per.mean + 1.0), n) - 1
        elif per.distribution == "uniform":
            high = per.max if per.max is not None else round(2 * per.mean)
            drawn = rng.integers(per.min, max(per.min, high) + 1, n)
        else:
            drawn = np.full(n, round(per.mean))
        counts[start : start + n] = drawn
    return np.clip(counts, per.min, per.max)


def capacity(column: Column, rows: dict[str, int]) -> int | None:
    """How many distinct values the column's generator can make (None: as many as needed)."""
    spec = column.generator
    if isinstance(spec, specs.ForeignKey):
        return rows[spec.ref.split(".")[0]]
    if spec.kind in UNIQUE:
        return UNIQUE[spec.kind][0](spec)
    return None


def domain(column: Column, rows: dict[str, int]) -> int:
    """The size of the permutation a unique column draws its values from."""
    return min(capacity(column, rows) or MAX_DOMAIN, MAX_DOMAIN)


def _capacity_problem(column: Column, needed: int, rows: dict[str, int]) -> str | None:
    available = capacity(column, rows)
    if available is None or available >= needed:
        return None
    pattern = getattr(column.generator, "pattern", None)
    what = f"pattern {pattern!r}" if pattern else column.kind
    if isinstance(column.generator, specs.ForeignKey):
        what = f"a foreign key to {column.generator.ref} ({available:,} rows)"
    return (
        f"unique needs {needed:,} distinct values, but {what} can make only {available:,}"
        " (fewer rows, or a generator with more values)"
    )
