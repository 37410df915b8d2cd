"""Preprocessing of a log message before template mining: variables masked. Pure.

Masks are where grouping accuracy is won: a value masked before the parse tree sees it can never
split one event into many templates. Each mask is a compiled regular expression replaced by `<*>`
(a key keeps its name: `user=<*>`), run in order, and only when the message holds its guard (a
plain substring test), so the slow part runs in C and mostly not at all. Any token holding a digit
is a variable (ids, counters, sizes, IPv4 addresses with their ports, hex numbers and hashes);
masks that also catch some of these (UUIDs, block ids, IPv6) are there for the multi-token and
digit-free cases and for readable templates.

Every mask treats all digits alike, so a message and its `normalise_digits` give the same result:
the miner relies on that to cache by the digit-normalised message.
"""

from __future__ import annotations

import re

WILDCARD = "<*>"

_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_HEX4 = r"[0-9A-Fa-f]{1,4}"
# characters that end a token for the digit rule: a key, a port or a list keeps its shape
_STOP = r"\s=:,;()\[\]{}\"'<>|"


class Mask:
    """One mask: its name, the substring a message must hold for it to run, pattern, replacement."""

    __slots__ = ("guard", "name", "pattern", "replacement")

    def __init__(self, name: str, guard: str, pattern: str, replacement: str = WILDCARD) -> None:
        self.name = name
        self.guard = guard
        self.pattern = re.compile(pattern)
        self.replacement = replacement


MASKS: tuple[Mask, ...] = (
    Mask(
        "timestamp",
        ":",
        r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"
        rf"|\b(?:{_DAY},? +)?{_MONTH} +\d{{1,2}},? +(?:\d{{4}} +)?\d\d:\d\d:\d\d(?: +\d{{4}})?",
    ),
    Mask("url", "://", r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]+"),
    Mask(
        "uuid",
        "-",
        r"\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b",
    ),
    Mask("ipv6", "::", rf"(?<![\w:])(?:{_HEX4}:)*(?:{_HEX4})?::(?:{_HEX4}:)*{_HEX4}(?![\w:])"),
    Mask("block", "blk_", r"\bblk_-?\d+"),
    Mask("path", "/", r"(?<![\w/.~-])(?:~|\.\.?)?(?:/[\w.@%+~-]+){2,}/?"),
    # `=` first, so the scan jumps from one `=` to the next; the key is left as it is
    Mask(
        "key-value",
        "=",
        r"=(?<=[\w.-]=)(?:\"[^\"]*\"|'[^']*'|[^\s,;)\]}\"']+)",
        "=" + WILDCARD,
    ),
    # a quoted value of several words would change the token count; one word is left to the tree
    Mask("quoted", '"', r"(?<![\w=])\"[^\"\s]*\s[^\"]*\""),
    Mask("quoted", "'", r"(?<![\w=])'[^'\s]+\s[^']*'(?!\w)"),
    # any token holding a digit (the boundary look-behind keeps the scan linear)
    Mask("number", "", rf"(?<![^{_STOP}])[^{_STOP}\d]*+\d[^{_STOP}]*+"),
    # what the digit rule left in pieces: an address and its port, a clock, a list of numbers
    Mask("joined", "<*>", r"<\*>(?:[:,]<\*>)+"),
)

DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")


def normalise_digits(message: str) -> str:
    """`message` with every ASCII digit made `0`: masks give it the same result as `message`."""
    # bytes.translate is ten times faster than str.translate; UTF-8 keeps other characters whole
    raw = message.encode("utf-8", "surrogatepass")
    return raw.translate(DIGITS_TO_ZERO).decode("utf-8", "surrogatepass")


def mask(message: str) -> str:
    """`message` with every variable the masks recognise replaced by `<*>`."""
    for m in MASKS:
        if m.guard in message:
            message = m.pattern.sub(m.replacement, message)
    return message
