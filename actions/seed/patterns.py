"""A small regular-expression subset for synthetic codes, generated a column at a time.

Literals (`\\` escapes any character), classes with ranges (`[A-Z0-9]`, `[ABD-HJ]`), `\\d`, and a
repeat count `{n}` after an atom. Each position of the pattern is an array of the code points it
allows; a column is a matrix of code points (one draw per position for all rows at once) viewed
as fixed-width strings.
"""

from __future__ import annotations

import string
from math import prod

import numpy as np

Positions = list[np.ndarray]

_DIGITS = string.digits
_UNSUPPORTED = set("*+?.()|^$")


def parse_pattern(pattern: str) -> Positions:
    """The code points allowed at each position; ValueError saying what is not supported."""
    positions: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 >= len(pattern):
                raise ValueError("the pattern ends with a lone backslash")
            atom = _DIGITS if pattern[i + 1] == "d" else pattern[i + 1]
            i += 2
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                raise ValueError(f"unclosed [ at position {i}")
            atom = _char_class(pattern[i + 1 : end])
            i = end + 1
        elif char == "{":
            raise ValueError(f"a repeat count at position {i} follows nothing")
        elif char in _UNSUPPORTED:
            raise ValueError(
                f"{char!r} at position {i} is not supported: use literals, [classes], \\d and {{n}}"
            )
        else:
            atom = char
            i += 1
        count = 1
        if i < len(pattern) and pattern[i] == "{":
            end = pattern.find("}", i)
            text = pattern[i + 1 : end] if end > 0 else ""
            if not text.isdigit():
                raise ValueError(f"a repeat count must be {{n}} with a number, at position {i}")
            count = int(text)
            i = end + 1
        positions.extend([atom] * count)
    if not positions:
        raise ValueError("the pattern makes empty strings")
    return [np.array([ord(c) for c in atom], dtype=np.uint32) for atom in positions]


def _char_class(body: str) -> str:
    if not body or body.startswith("^"):
        raise ValueError(f"[{body}] is not supported: list the allowed characters or ranges")
    chars: list[str] = []
    i = 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            low, high = body[i], body[i + 2]
            if ord(low) > ord(high):
                raise ValueError(f"the range {low}-{high} is backwards")
            chars.extend(chr(c) for c in range(ord(low), ord(high) + 1))
            i += 3
        else:
            chars.append(body[i])
            i += 1
    return "".join(dict.fromkeys(chars))


def pattern_capacity(positions: Positions) -> int:
    """How many distinct strings the pattern can make."""
    return prod(len(p) for p in positions)


def random_strings(positions: Positions, rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` strings drawn uniformly from the pattern (an object array)."""
    codes = np.empty((n, len(positions)), dtype=np.uint32)
    for j, allowed in enumerate(positions):
        codes[:, j] = allowed[rng.integers(0, len(allowed), n)] if len(allowed) > 1 else allowed[0]
    return codes_to_strings(codes)


def nth_strings(positions: Positions, index: np.ndarray) -> np.ndarray:
    """The pattern's strings number `index` in mixed radix: distinct indexes, distinct strings."""
    codes = np.empty((len(index), len(positions)), dtype=np.uint32)
    rest = index.astype(np.uint64)
    for j in range(len(positions) - 1, -1, -1):
        allowed = positions[j]
        size = np.uint64(len(allowed))
        codes[:, j] = allowed[(rest % size).astype(np.intp)]
        rest = rest // size
    return codes_to_strings(codes)


def codes_to_strings(codes: np.ndarray) -> np.ndarray:
    """Rows of a code-point matrix as an object array of str (one view, no per-row Python)."""
    n, width = codes.shape
    if n == 0:
        return np.empty(0, dtype=object)
    fixed = np.ascontiguousarray(codes, dtype=np.uint32).view(np.dtype(("U", width)))
    return fixed.reshape(n).astype(object)
