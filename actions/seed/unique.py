"""Unique values by construction: a keyed permutation of row numbers, vectorised.

A unique column maps row `i` to value number `permute(i)` of its generator's finite domain (the
n-th pattern string, the n-th name pair, ...). `permute` is a keyed bijection of `[0, domain)`: a
four-round Feistel network over the smallest even bit width that covers the domain, with cycle
walking for the values that fall outside it. Distinct rows give distinct values, whatever the
batch size, and a different key gives a different order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MAX_DOMAIN = 1 << 62  # indexes stay exact in uint64 arithmetic
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray, key: np.uint64) -> np.ndarray:
    """splitmix64's finaliser of `x + key`: a well-spread keyed round function."""
    z = x + key
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _feistel(x: np.ndarray, keys: Sequence[np.uint64], half: int) -> np.ndarray:
    shift, mask = np.uint64(half), np.uint64((1 << half) - 1)
    left, right = x >> shift, x & mask
    for key in keys:
        left, right = right, left ^ (_mix(right, key) & mask)
    return (left << shift) | right


def permute(index: np.ndarray, domain: int, key: Sequence[int]) -> np.ndarray:
    """A keyed bijection of `[0, domain)` applied to `index` (every index below `domain`)."""
    if not 0 < domain <= MAX_DOMAIN:
        raise ValueError(f"a permutation domain must be between 1 and 2**62, not {domain}")
    bits = max(2, (domain - 1).bit_length())
    half = (bits + 1) // 2
    keys = [np.uint64(k) for k in key]
    out = _feistel(np.asarray(index, dtype=np.uint64), keys, half)
    outside = out >= np.uint64(domain)
    while outside.any():
        out[outside] = _feistel(out[outside], keys, half)
        outside = out >= np.uint64(domain)
    return out


def mixed_radix(index: np.ndarray, sizes: Sequence[int]) -> list[np.ndarray]:
    """The digits of `index` in the mixed radix `sizes` (the last digit varies fastest)."""
    digits: list[np.ndarray] = []
    rest = np.asarray(index, dtype=np.uint64)
    for size in reversed(sizes):
        digits.append((rest % np.uint64(size)).astype(np.intp))
        rest = rest // np.uint64(size)
    return digits[::-1]
