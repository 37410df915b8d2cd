"""Generators of numbers, choices, booleans, dates and times: one numpy call per column block.

`GENERATORS` maps a kind to `fn(spec, column, ctx) -> values`; `UNIQUE` maps the kinds that can
be unique to (capacity, n-th value): a unique column takes value number `permute(row)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from actions.seed import specs
from actions.seed.block import BlockContext
from actions.seed.schema import Column

NUMPY_TYPES: dict[str, Any] = {
    "int": np.int64,
    "float": np.float64,
    "bool": np.bool_,
    "str": object,
    "date": "datetime64[D]",
    "datetime": "datetime64[s]",
}


def as_type(values: Any, column_type: str) -> np.ndarray:
    """Values as the numpy dtype of a column type (ints rounded to the nearest)."""
    array = np.asarray(values)
    if column_type == "int" and array.dtype.kind == "f":
        array = np.rint(array)
    return array.astype(NUMPY_TYPES[column_type], copy=False)


def _shape(values: np.ndarray, spec: specs.Numeric, column: Column) -> np.ndarray:
    if spec.min is not None or spec.max is not None:
        values = np.clip(values, spec.min, spec.max)
    if spec.round is not None and column.type == "float":
        values = np.round(values, spec.round)
    return as_type(values, column.type)


def sequence(spec: specs.Sequence, column: Column, ctx: BlockContext) -> np.ndarray:
    """start, start + step, ... by row number."""
    return spec.start + spec.step * np.arange(ctx.start, ctx.start + ctx.n, dtype=np.int64)


def uniform(spec: specs.Uniform, column: Column, ctx: BlockContext) -> np.ndarray:
    """Uniform numbers in [low, high] (both ends included for ints)."""
    rng = ctx.rng(column.name)
    if column.type == "int":
        low, high = int(np.ceil(spec.low)), int(np.floor(spec.high))
        return _shape(rng.integers(low, high + 1, ctx.n), spec, column)
    return _shape(rng.uniform(spec.low, spec.high, ctx.n), spec, column)


def normal(spec: specs.Normal, column: Column, ctx: BlockContext) -> np.ndarray:
    """Normally distributed numbers."""
    return _shape(ctx.rng(column.name).normal(spec.mean, spec.sd, ctx.n), spec, column)


def lognormal(spec: specs.LogNormal, column: Column, ctx: BlockContext) -> np.ndarray:
    """Log-normally distributed numbers (a long right tail: prices, sizes)."""
    return _shape(ctx.rng(column.name).lognormal(spec.mean, spec.sigma, ctx.n), spec, column)


def exponential(spec: specs.Exponential, column: Column, ctx: BlockContext) -> np.ndarray:
    """Exponentially distributed numbers with the given mean (waiting times)."""
    return _shape(ctx.rng(column.name).exponential(spec.mean, ctx.n), spec, column)


def poisson(spec: specs.Poisson, column: Column, ctx: BlockContext) -> np.ndarray:
    """Poisson counts with the given mean."""
    return _shape(ctx.rng(column.name).poisson(spec.mean, ctx.n), spec, column)


def choice_values(spec: specs.Choice, column: Column) -> np.ndarray:
    """The choices as an array of the column's type."""
    if column.type == "str":
        values = np.empty(len(spec.values), dtype=object)
        values[:] = spec.values
        return values
    return as_type(spec.values, column.type)


def choice(spec: specs.Choice, column: Column, ctx: BlockContext) -> np.ndarray:
    """Values drawn from a list, by weight when weights are given."""
    values, p = choice_values(spec, column), None
    if spec.weights is not None:
        p = np.asarray(spec.weights, dtype=np.float64)
        p = p / p.sum()
    return values[ctx.rng(column.name).choice(len(values), ctx.n, p=p)]


def constant(spec: specs.Constant, column: Column, ctx: BlockContext) -> np.ndarray:
    """The same value in every row."""
    return as_type(np.full(ctx.n, spec.value, dtype=object), column.type)


def boolean(spec: specs.Bool, column: Column, ctx: BlockContext) -> np.ndarray:
    """True with probability p."""
    return ctx.rng(column.name).random(ctx.n) < spec.p


def dates(spec: specs.Dates, column: Column, ctx: BlockContext) -> np.ndarray:
    """Days from start to end (inclusive), by weekday weight when given."""
    first = np.datetime64(spec.start, "D")
    days = _days(spec, first, (spec.end - spec.start).days + 1, ctx.rng(column.name), ctx.n)
    return first + days


def datetimes(spec: specs.DateTimes, column: Column, ctx: BlockContext) -> np.ndarray:
    """Seconds from start to end (exclusive), by weekday and hour weights when given."""
    start, end = np.datetime64(spec.start, "s"), np.datetime64(spec.end, "s")
    rng, n = ctx.rng(column.name), ctx.n
    if spec.weekdays is None and spec.hours is None:
        return start + rng.integers(0, int((end - start) // np.timedelta64(1, "s")), n)
    first_day = start.astype("datetime64[D]")
    last_day = (end - np.timedelta64(1, "s")).astype("datetime64[D]")
    span = int((last_day - first_day) // np.timedelta64(1, "D")) + 1
    day = first_day + _days(spec, first_day, span, rng, n)
    hours = np.asarray(spec.hours if spec.hours is not None else [1.0] * 24)
    hour = rng.choice(24, n, p=hours / hours.sum())
    seconds = hour * 3600 + rng.integers(0, 3600, n)
    times = day.astype("datetime64[s]") + seconds
    return np.clip(times, start, end - np.timedelta64(1, "s"))


def _days(
    spec: specs.Dates | specs.DateTimes,
    first: np.datetime64,
    span: int,
    rng: np.random.Generator,
    n: int,
) -> np.ndarray:
    if spec.weekdays is None:
        return rng.integers(0, span, n)
    monday_based = (first.astype("datetime64[D]").view(np.int64) + 3) % 7  # 1970-01-01: Thursday
    weights = np.asarray(spec.weekdays)[(monday_based + np.arange(span)) % 7]
    return rng.choice(span, n, p=weights / weights.sum())


def _seconds(spec: specs.DateTimes) -> int:
    return int((spec.end - spec.start).total_seconds())


def _day_count(spec: specs.Dates) -> int:
    return (spec.end - spec.start).days + 1


Generator = Callable[[Any, Column, BlockContext], np.ndarray]
Nth = Callable[[Any, Column, np.ndarray], np.ndarray]

GENERATORS: dict[str, Generator] = {
    "sequence": sequence,
    "uniform": uniform,
    "normal": normal,
    "lognormal": lognormal,
    "exponential": exponential,
    "poisson": poisson,
    "choice": choice,
    "constant": constant,
    "bool": boolean,
    "date": dates,
    "datetime": datetimes,
}

UNIQUE: dict[str, tuple[Callable[[Any], int], Nth]] = {
    "uniform": (
        lambda s: int(np.floor(s.high)) - int(np.ceil(s.low)) + 1,
        lambda s, c, p: int(np.ceil(s.low)) + p.astype(np.int64),
    ),
    "choice": (
        lambda s: len(set(s.values)),
        lambda s, c, p: choice_values(s, c)[np.unique(s.values, return_index=True)[1]][p],
    ),
    "date": (
        _day_count,
        lambda s, c, p: np.datetime64(s.start, "D") + p.astype(np.int64),
    ),
    "datetime": (
        _seconds,
        lambda s, c, p: np.datetime64(s.start, "s") + p.astype(np.int64),
    ),
}
