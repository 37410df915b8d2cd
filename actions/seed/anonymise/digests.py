"""A compact map of texts to texts by their 64-bit digests, for the values a run must remember.

The pseudonymiser remembers every value of a key-like column (so no pseudonym is another
person's real value) and every pseudonym it made (so a key column stays unique): as strings in
a dict that is about 110 bytes a value, as two 8-byte BLAKE2b digests in open-addressing arrays
about 32. Two texts with the same digest are taken for the same text: at 10^8 values that
happens about once in 3,000 runs, and then only costs a pseudonym drawn again. Pure.
"""

from __future__ import annotations

import hashlib
from array import array

_START = 1024  # slots (a power of two); doubled when half full


def digest(text: str) -> int:
    """A text's 64-bit BLAKE2b digest, never 0 (0 marks an empty slot)."""
    raw = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(raw, "little") or 1


class DigestMap:
    """A map from texts to texts, kept as their digests: `setdefault` answers with the digest
    of the text first stored for a text."""

    def __init__(self) -> None:
        self._keys = array("Q", bytes(8 * _START))
        self._values = array("Q", bytes(8 * _START))
        self._mask = _START - 1
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return f"DigestMap(<{self._size} digests>)"

    def setdefault(self, key: str, value: str) -> int:
        """The digest of the value stored for `key`, storing `value`'s first if there is none."""
        return self.setdefault_digest(digest(key), digest(value))

    def setdefault_digest(self, key: int, value: int) -> int:
        """`setdefault` with digests."""
        keys, mask = self._keys, self._mask
        i = key & mask
        while True:
            found = keys[i]
            if found == key:
                return self._values[i]
            if found == 0:
                break
            i = (i + 1) & mask
        keys[i], self._values[i] = key, value
        self._size += 1
        if 2 * self._size > mask:
            self._grow()
        return value

    def _grow(self) -> None:
        old = zip(self._keys, self._values, strict=True)
        slots = 2 * (self._mask + 1)
        self._keys = array("Q", bytes(8 * slots))
        self._values = array("Q", bytes(8 * slots))
        self._mask, self._size = slots - 1, 0
        for key, value in old:
            if key:
                self.setdefault_digest(key, value)
