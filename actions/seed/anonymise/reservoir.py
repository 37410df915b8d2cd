"""A uniform sample of a stream of values, in bounded memory and reproducible by seed. Pure.

Li's algorithm L (1994): the first `size` values fill the reservoir; after that the number of
values to skip before the next replacement is drawn from the right geometric law, so a value
costs a counter and a comparison, not a random draw. While the stream holds at most `size`
values, the sample is all of them in their order.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable


class Reservoir:
    """At most `size` values drawn uniformly from all the values `add`ed, the same for a seed."""

    def __init__(self, size: int, seed: int = 0) -> None:
        if size < 1:
            raise ValueError("a reservoir holds at least one value")
        self.size = size
        self.seen = 0
        self.values: list[str] = []
        self._random = random.Random(seed)
        self._weight = 1.0
        self._next = size  # index of the next value that goes in once the reservoir is full

    def __repr__(self) -> str:  # never shows the values
        return f"Reservoir(size={self.size}, seen={self.seen})"

    def add(self, value: str) -> None:
        """Offer one value to the sample."""
        seen = self.seen
        self.seen = seen + 1
        if seen < self.size:
            self.values.append(value)
            if seen + 1 == self.size:
                self._draw_weight()
                self._skip()
        elif seen == self._next:
            self.values[self._random.randrange(self.size)] = value
            self._draw_weight()
            self._skip()

    def extend(self, values: Iterable[str]) -> None:
        """Offer each value in turn."""
        for value in values:
            self.add(value)

    def _draw_weight(self) -> None:
        self._weight *= math.exp(math.log(self._uniform()) / self.size)

    def _skip(self) -> None:
        step = math.log1p(-self._weight)  # 0 only once the weight has underflowed: no more
        self._next = self.seen + math.floor(math.log(self._uniform()) / step) if step < 0 else -1

    def _uniform(self) -> float:
        return self._random.random() or 5e-324  # log(0) is undefined: the smallest float instead
