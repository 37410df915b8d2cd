"""Generators that read other columns: foreign keys, lookups through them, derived values.

A foreign key picks parent rows (uniformly, by a Zipf popularity, once each when unique, or the
parent a `per:` table's rows were made for) and takes their keys, which `generate` keeps for
every table that others refer to: a key always exists in its parent. The parent rows it picked
serve `lookup` columns of the same row (an order's `unit_price` is its product's `price`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from actions.seed import specs
from actions.seed.block import BlockContext, rng_for
from actions.seed.expr import evaluate, parse_expr
from actions.seed.numbers import as_type
from actions.seed.schema import Column, SeedError
from actions.seed.unique import permute


def foreign_key(spec: specs.ForeignKey, column: Column, ctx: BlockContext) -> np.ndarray:
    """Keys of existing parent rows (and which rows they are, for lookups)."""
    parent, key = spec.ref.split(".")
    keys = ctx.kept[parent][key]
    if len(keys) == 0:
        raise SeedError(f"{ctx.table.name}.{column.name}: {parent} has no rows to refer to")
    per = ctx.table.per
    if per is not None and per.table == parent and ctx.children_end is not None:
        rows = np.searchsorted(ctx.children_end, ctx.index.astype(np.int64), side="right")
    elif column.is_unique:
        rows = permute(ctx.index, len(keys), ctx.key(column.name)).astype(np.intp)
    elif spec.skew == "zipf":
        cdf, order = _zipf(ctx, column.name, len(keys), spec.a)
        drawn = np.searchsorted(cdf, ctx.rng(column.name).random(ctx.n), side="right")
        rows = order[np.minimum(drawn, len(keys) - 1)]
    else:
        rows = ctx.rng(column.name).integers(0, len(keys), ctx.n)
    ctx.parent_rows[column.name] = rows
    return keys[rows]


def _zipf(ctx: BlockContext, column: str, parents: int, a: float) -> tuple[np.ndarray, np.ndarray]:
    """The Zipf CDF over popularity ranks, and which parent holds each rank (cached per table)."""
    cached = ctx.cache.get(f"zipf:{column}")
    if cached is None:
        weights = np.arange(1, parents + 1, dtype=np.float64) ** -a
        cdf = np.cumsum(weights)
        cdf /= cdf[-1]
        order = rng_for(ctx.seed, ctx.table.name, column, "popularity").permutation(parents)
        cached = ctx.cache[f"zipf:{column}"] = (cdf, order)
    return cached


def lookup(spec: specs.Lookup, column: Column, ctx: BlockContext) -> np.ndarray:
    """The value of a column of the parent row that `via` points at."""
    via = ctx.table.column(spec.via)
    assert via is not None and isinstance(via.generator, specs.ForeignKey)  # checked on load
    parent = via.generator.ref.split(".")[0]
    return ctx.kept[parent][spec.column][ctx.parent_rows[spec.via]]


@lru_cache(maxsize=256)
def _tree(expr: str) -> Any:
    return parse_expr(expr)


def derived(spec: specs.Derived, column: Column, ctx: BlockContext) -> np.ndarray:
    """The expression over the row's other columns, computed on whole arrays."""
    values = evaluate(_tree(spec.expr), ctx.values)
    if values.ndim == 0:
        values = np.full(ctx.n, values)
    if column.type == "int" and not np.isfinite(values).all():
        raise SeedError(f"{ctx.table.name}.{column.name}: {spec.expr!r} is not finite everywhere")
    return as_type(values, column.type)


GENERATORS: dict[str, Callable[[Any, Column, BlockContext], np.ndarray]] = {
    "foreign_key": foreign_key,
    "lookup": lookup,
    "derived": derived,
}


def kept_columns(tables: list[Any]) -> dict[str, set[str]]:
    """For each table, the columns other tables read (keys and looked-up values)."""
    kept: dict[str, set[str]] = {}
    for table in tables:
        for column in table.columns:
            spec = column.generator
            if isinstance(spec, specs.ForeignKey):
                parent, key = spec.ref.split(".")
                kept.setdefault(parent, set()).add(key)
            elif isinstance(spec, specs.Lookup):
                via = table.column(spec.via).generator
                kept.setdefault(via.ref.split(".")[0], set()).add(spec.column)
    return kept
