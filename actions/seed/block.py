"""What a generator sees: one block of rows of one table, and its own random stream.

Rows are made in blocks of `BLOCK_ROWS`; a column's random numbers for block `k` come from a
PCG64 stream seeded by (seed, table, column, k). So the data for a seed does not depend on the
batch size it is written in, and adding a column leaves the others as they were.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from actions.seed.schema import Table

BLOCK_ROWS = 10_000


@lru_cache(maxsize=4096)
def _word(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def seed_sequence(seed: int, *parts: str | int) -> np.random.SeedSequence:
    """A seed sequence for `seed` and a path of names and numbers (stable across runs)."""
    words = [p if isinstance(p, int) else _word(p) for p in parts]
    return np.random.SeedSequence([seed, *words])


def rng_for(seed: int, *parts: str | int) -> np.random.Generator:
    """The random stream of `seed` and a path such as (table, column, block)."""
    return np.random.Generator(np.random.PCG64(seed_sequence(seed, *parts)))


@dataclass
class BlockContext:
    """Rows `start .. start + n` of `table`, the columns made so far and the parents' keys."""

    seed: int
    table: Table
    block: int
    start: int
    n: int
    rows: int  # the table's total
    kept: dict[str, dict[str, np.ndarray]]  # parent table -> column -> every value
    cache: dict[str, Any]  # per table run: zipf weights, popularity orders
    children_end: np.ndarray | None = None  # with `per:`: cumulative child counts per parent
    values: dict[str, np.ndarray] = field(default_factory=dict)
    parent_rows: dict[str, np.ndarray] = field(default_factory=dict)  # fk column -> parent row

    def rng(self, column: str, stream: str = "") -> np.random.Generator:
        """The random stream of one column (and a named sub-stream) in this block."""
        return rng_for(self.seed, self.table.name, column, stream, self.block)

    def key(self, column: str, words: int = 6) -> list[int]:
        """A per-column key, the same in every block (for unique permutations)."""
        state = seed_sequence(self.seed, self.table.name, column, "unique").generate_state(
            words, np.uint64
        )
        return [int(w) for w in state]

    @property
    def index(self) -> np.ndarray:
        """The row numbers of this block within the table."""
        return np.arange(self.start, self.start + self.n, dtype=np.uint64)
