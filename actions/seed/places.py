"""Generators of places: phone numbers (E.164), cities and postcodes of given countries.

The columns of a row with the same country list draw the row's country from one shared stream,
so a city, its postcode and the phone's country code agree. Formats are patterns of
`patterns.py`, per country, in `vocab.COUNTRIES`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from actions.seed import string_specs, vocab
from actions.seed.block import BlockContext
from actions.seed.patterns import nth_strings, pattern_capacity, random_strings
from actions.seed.schema import Column
from actions.seed.strings import as_array, positions

CITIES = {code: as_array(country.cities) for code, country in vocab.COUNTRIES.items()}


def _countries(spec: string_specs.Local, ctx: BlockContext) -> np.ndarray:
    if len(spec.country) == 1:
        return np.zeros(ctx.n, dtype=np.intp)
    rng = ctx.rng("\0country", ",".join(spec.country))  # shared by the row's place columns
    return rng.integers(0, len(spec.country), ctx.n)


def local(spec: string_specs.Local, column: Column, ctx: BlockContext) -> np.ndarray:
    """Phones (E.164), cities or postcodes of the row's country."""
    rng, which = ctx.rng(column.name), _countries(spec, ctx)
    out = np.empty(ctx.n, dtype=object)
    for i, code in enumerate(spec.country):
        rows = np.flatnonzero(which == i)
        country = vocab.COUNTRIES[code]
        if spec.kind == "city":  # bigger cities (listed first) are likelier
            weights = 1.0 / np.arange(1, len(CITIES[code]) + 1) ** 0.8
            out[rows] = CITIES[code][rng.choice(len(weights), len(rows), p=weights / weights.sum())]
        else:
            form = country.phone if spec.kind == "phone" else country.postcode
            out[rows] = random_strings(positions(form), rng, len(rows))
    return out


def _local_sizes(spec: string_specs.Local) -> list[int]:
    sizes = []
    for code in spec.country:
        if spec.kind == "city":
            sizes.append(len(CITIES[code]))
        else:
            country = vocab.COUNTRIES[code]
            form = country.phone if spec.kind == "phone" else country.postcode
            sizes.append(pattern_capacity(positions(form)))
    return sizes


def _nth_local(spec: string_specs.Local, column: Column, index: np.ndarray) -> np.ndarray:
    ends = np.cumsum(np.array(_local_sizes(spec), dtype=object)).astype(np.uint64)
    which = np.searchsorted(ends, index, side="right")
    out = np.empty(len(index), dtype=object)
    for i, code in enumerate(spec.country):
        rows = np.flatnonzero(which == i)
        offset = index[rows] - (ends[i - 1] if i else np.uint64(0))
        if spec.kind == "city":
            out[rows] = CITIES[code][offset.astype(np.intp)]
        else:
            country = vocab.COUNTRIES[code]
            form = country.phone if spec.kind == "phone" else country.postcode
            out[rows] = nth_strings(positions(form), offset)
    return out


GENERATORS: dict[str, Callable[[Any, Column, BlockContext], np.ndarray]] = {
    "phone": local,
    "city": local,
    "postcode": local,
}

UNIQUE: dict[str, tuple[Callable[[Any], int], Callable[[Any, Column, np.ndarray], np.ndarray]]] = {
    kind: (lambda s: sum(_local_sizes(s)), _nth_local) for kind in ("phone", "city", "postcode")
}
