"""Generators of strings: names, emails, codes, text and uuids, per column block.

Strings are numpy object arrays built by indexing word lists and adding columns of strings
together (one numpy operation per column, never a Python loop per cell). `UNIQUE` maps the
kinds that can be unique to (capacity, n-th value) over their finite domain; an email is made
unique by its row number, a uuid by a permutation of its row number in its first 48 bits, a
product name by a series number once every combination of words is taken.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from math import prod
from typing import Any

import numpy as np

from actions.seed import string_specs, vocab
from actions.seed.block import BlockContext
from actions.seed.patterns import (
    Positions,
    nth_strings,
    parse_pattern,
    pattern_capacity,
    random_strings,
)
from actions.seed.schema import Column
from actions.seed.unique import mixed_radix, permute


def as_array(words: tuple[str, ...]) -> np.ndarray:
    """Words as a numpy object array, to index with arrays of positions."""
    array = np.empty(len(words), dtype=object)
    array[:] = words
    return array


FIRST = as_array(vocab.FIRST_NAMES)
LAST = as_array(vocab.LAST_NAMES)
WORDS = as_array(vocab.WORDS)
CAPITALISED = as_array(tuple(w.capitalize() for w in vocab.WORDS))
STREETS = as_array(vocab.STREET_NAMES)
SUFFIXES = as_array(vocab.STREET_SUFFIXES)
HOUSE_NUMBERS = as_array(tuple(str(i) for i in range(1, 1000)))
ADJECTIVES = as_array(vocab.PRODUCT_ADJECTIVES)
MATERIALS = as_array(vocab.PRODUCT_MATERIALS)
NOUNS = as_array(vocab.PRODUCT_NOUNS)
PRODUCT_PARTS = (ADJECTIVES, MATERIALS, NOUNS)
ADDRESS_PARTS = (HOUSE_NUMBERS, STREETS, SUFFIXES)


@lru_cache(maxsize=64)
def positions(pattern: str) -> Positions:
    """The parsed pattern (cached: patterns are parsed once per run)."""
    return parse_pattern(pattern)


def _pick(words: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    return words[rng.integers(0, len(words), n)]


def _join(parts: list[np.ndarray], sep: str = " ") -> np.ndarray:
    out = parts[0]
    for part in parts[1:]:
        out = out + sep + part
    return out


def _combos(parts: tuple[np.ndarray, ...], index: np.ndarray) -> np.ndarray:
    digits = mixed_radix(index, [len(p) for p in parts])
    return _join([p[d] for p, d in zip(parts, digits, strict=True)])


def slug(values: np.ndarray) -> np.ndarray:
    """Lower-case ASCII letters and digits, anything else a dash: safe in an email's local part."""
    fixed = np.asarray(values).astype("U")
    width = fixed.dtype.itemsize // 4
    codes = fixed.view(np.uint32).reshape(len(fixed), width).copy()
    upper = (codes >= 65) & (codes <= 90)
    codes[upper] += 32
    keep = (codes == 0) | ((codes >= 97) & (codes <= 122)) | ((codes >= 48) & (codes <= 57))
    codes[~keep] = ord("-")
    return codes.view(np.dtype(("U", width))).reshape(len(fixed)).astype(object)


def pattern(spec: string_specs.Pattern, column: Column, ctx: BlockContext) -> np.ndarray:
    """Strings drawn from the pattern, each position independently."""
    return random_strings(positions(spec.pattern), ctx.rng(column.name), ctx.n)


def text(spec: string_specs.Text, column: Column, ctx: BlockContext) -> np.ndarray:
    """Sentences of vocabulary words, their count uniform in [min, max]."""
    rng, (low, high) = ctx.rng(column.name), spec.words
    lengths = rng.integers(low, high + 1, ctx.n)
    words = rng.integers(0, len(WORDS), (ctx.n, high))
    out = CAPITALISED[words[:, 0]]
    for j in range(1, high):
        out = np.where(j < lengths, out + " " + WORDS[words[:, j]], out)
    return out + "."


def names(spec: string_specs.Named, column: Column, ctx: BlockContext) -> np.ndarray:
    """First names, last names, street addresses, product names or uuids."""
    rng, n = ctx.rng(column.name), ctx.n
    if spec.kind == "first_name":
        return _pick(FIRST, rng, n)
    if spec.kind == "last_name":
        return _pick(LAST, rng, n)
    if spec.kind == "street_address":
        return _join([_pick(part, rng, n) for part in ADDRESS_PARTS])
    if spec.kind == "product_name" and column.is_unique:
        return _unique_products(ctx, column.name)
    if spec.kind == "product_name":
        return _join([_pick(part, rng, n) for part in PRODUCT_PARTS])
    return _uuids(rng, ctx, column.name)


def _unique_products(ctx: BlockContext, column: str) -> np.ndarray:
    """Every name once in a shuffled order, then again as series 2, 3, ... ("Oak Lamp 2")."""
    size = prod(len(p) for p in PRODUCT_PARTS)
    series, place = np.divmod(ctx.index, np.uint64(size))
    names = _combos(PRODUCT_PARTS, permute(place, size, ctx.key(column)))
    numbered = names + " " + (series + 1).astype(str).astype(object)
    return np.where(series > 0, numbered, names)


def _uuids(rng: np.random.Generator, ctx: BlockContext, column: str) -> np.ndarray:
    """Version-4 uuids whose first 48 bits are a keyed permutation of the row number."""
    raw = rng.integers(0, 256, (ctx.n, 16), dtype=np.uint8)
    unique = permute(ctx.index, 1 << 48, ctx.key(column))
    raw[:, :6] = (unique[:, None] >> (np.arange(40, -8, -8, dtype=np.uint64))).astype(np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    nibbles = np.stack([raw >> 4, raw & 0x0F], axis=2).reshape(ctx.n, 32)
    hex_codes = np.frombuffer(b"0123456789abcdef", dtype=np.uint8).astype(np.uint32)[nibbles]
    dash = np.full((ctx.n, 1), ord("-"), dtype=np.uint32)
    cuts = [hex_codes[:, a:b] for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))]
    codes = np.concatenate([cuts[0], dash, cuts[1], dash, cuts[2], dash, cuts[3], dash, cuts[4]], 1)
    return codes.view(np.dtype(("U", 36))).reshape(ctx.n).astype(object)


def full_name(spec: string_specs.FullName, column: Column, ctx: BlockContext) -> np.ndarray:
    """First and last name: from the row's columns when `from` names them."""
    if spec.from_:
        return _join([ctx.values[name] for name in spec.from_])
    rng = ctx.rng(column.name)
    return _pick(FIRST, rng, ctx.n) + " " + _pick(LAST, rng, ctx.n)


def email(spec: string_specs.Email, column: Column, ctx: BlockContext) -> np.ndarray:
    """Emails from the row's name columns (or made-up names) on the given domains."""
    rng, n = ctx.rng(column.name), ctx.n
    if spec.from_:
        parts = [ctx.values[name] for name in spec.from_]
    else:
        parts = [_pick(FIRST, rng, n), _pick(LAST, rng, n)]
    local = _join([slug(part) for part in parts], ".")
    if column.is_unique:  # names hold no dot after slug(): "name.name.<row>" cannot repeat
        local = local + "." + (ctx.index + 1).astype(str).astype(object)
    else:
        number = rng.integers(1, 100, n)
        local = np.where(rng.random(n) < 0.5, local + number.astype(str).astype(object), local)
    domains = as_array(tuple(spec.domains))
    return local + "@" + _pick(domains, rng, n)


def _named_parts(kind: str) -> tuple[np.ndarray, ...]:
    return {
        "first_name": (FIRST,),
        "last_name": (LAST,),
        "full_name": (FIRST, LAST),
        "street_address": ADDRESS_PARTS,
        "product_name": PRODUCT_PARTS,
    }[kind]


Generator = Callable[[Any, Column, BlockContext], np.ndarray]

GENERATORS: dict[str, Generator] = {
    "pattern": pattern,
    "text": text,
    "first_name": names,
    "last_name": names,
    "street_address": names,
    "product_name": names,
    "uuid": names,
    "full_name": full_name,
    "email": email,
}

UNIQUE: dict[str, tuple[Callable[[Any], int], Callable[[Any, Column, np.ndarray], np.ndarray]]] = {
    "pattern": (
        lambda s: pattern_capacity(positions(s.pattern)),
        lambda s, c, p: nth_strings(positions(s.pattern), p),
    ),
    **{
        kind: (
            lambda s: prod(len(p) for p in _named_parts(s.kind)),
            lambda s, c, p: _combos(_named_parts(s.kind), p),
        )
        for kind in ("first_name", "last_name", "full_name", "street_address")
    },
}
