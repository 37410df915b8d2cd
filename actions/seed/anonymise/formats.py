"""Format-preserving replacements, one per kind of value, from a keyed stream of choices. Pure.

Each function gets the original value and a `Draw` (choices derived from HMAC-SHA256 of the
key and the value) and returns a value of the same shape: the same separators at the same
places, a valid checksum where the kind has one. None of them returns the original: the
caller (`Pseudonymiser`) draws again in the rare case it would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import re

from actions.insight.checks import IBAN_LENGTHS, ipv4_personal

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


class Draw:
    """Keyed choices for one value: 256 bits per HMAC block, more blocks drawn on demand."""

    def __init__(self, key: bytes, domain: str, value: str) -> None:
        self._key = key
        self._message = f"{domain}\x00{value}".encode("utf-8", "surrogatepass")
        self._block = 0
        self._pool = self._next_block()

    def _next_block(self) -> int:
        message = self._block.to_bytes(4, "big") + self._message
        self._block += 1
        return int.from_bytes(hmac.new(self._key, message, hashlib.sha256).digest(), "big")

    def below(self, n: int) -> int:
        """A number in 0..n-1 (bias under 2**-64)."""
        if self._pool < n << 64:
            self._pool = (self._pool << 256) | self._next_block()
        self._pool, pick = divmod(self._pool, n)
        return pick

    def digit(self, low: int = 0) -> str:
        """One decimal digit from `low` to 9."""
        return str(low + self.below(10 - low))

    def letter(self) -> str:
        """One lowercase ASCII letter."""
        return _LETTERS[self.below(26)]

    def token(self, length: int) -> str:
        """Lowercase letters and digits 2-7 (base32): 5 bits a character."""
        return "".join(_BASE32[self.below(32)] for _ in range(length))


def fill(template: str, chars: str, *, kinds: str = "digit") -> str:
    """`template` with its digits (or, with kinds="alnum", letters and digits) replaced in order
    by `chars`; every other character kept where it is."""
    out, it = [], iter(chars)
    for ch in template:
        take = ch.isdigit() if kinds == "digit" else ch.isascii() and ch.isalnum()
        out.append(next(it) if take else ch)
    return "".join(out)


def shape(value: str, draw: Draw) -> str:
    """Any value: each letter a keyed letter of the same case, each digit a keyed digit."""
    out = []
    for ch in value:
        if ch.isdigit():
            out.append(draw.digit())
        elif ch.isalpha():
            letter = draw.letter()
            out.append(letter.upper() if ch.isupper() else letter)
        else:
            out.append(ch)
    return "".join(out)


# ITU country calling codes: two digits for these, one for 1 and 7, three for the rest.
_CC2 = frozenset(
    (
        *(20, 27, *range(30, 35), 36, 39, 40, 41, *range(43, 50), *range(51, 59)),
        *(*range(60, 67), 81, 82, 84, 86, *range(90, 96), 98),
    )
)


def _calling_code_length(digits: str) -> int:
    if digits[:1] in ("1", "7"):
        return 1
    return 2 if digits[:2].isdigit() and int(digits[:2]) in _CC2 else 3


def phone(value: str, draw: Draw) -> str:
    """The same country code and digit count; the national number keyed (its first digit kept)."""
    digits = re.sub(r"\D", "", value)
    stripped = value.lstrip()
    if stripped.startswith("+"):
        kept = _calling_code_length(digits) + 1
    elif stripped.startswith("00"):
        kept = 2 + _calling_code_length(digits[2:]) + 1
    else:
        kept = 1
    kept = min(kept, max(len(digits) - 4, 0))
    national = [draw.digit() for _ in range(len(digits) - kept)]
    nanp = digits[:1] == "1" and kept == 2 and len(digits) == 11
    if (nanp or (kept == 1 and len(digits) == 10 and digits[0] in "23456789")) and national[2:]:
        national[2] = draw.digit(2)  # a North American exchange starts with 2-9
    return fill(value, digits[:kept] + "".join(national))


def luhn_digit(body: str) -> str:
    """The check digit that makes `body` + it pass Luhn."""
    total = 0
    for i, ch in enumerate(reversed(body)):  # the check digit will be at position 0
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str(-total % 10)


def card(value: str, draw: Draw) -> str:
    """As many digits, the issuer's first digit kept (4 if it is none of 3-6), Luhn-valid."""
    digits = re.sub(r"\D", "", value)
    first = digits[0] if digits[:1] in ("3", "4", "5", "6") else "4"
    body = first + "".join(draw.digit() for _ in range(max(len(digits) - 2, 0)))
    return fill(value, body + luhn_digit(body))


def iban(value: str, draw: Draw) -> str:
    """The same country and length, each letter and digit of the account keyed, mod 97 valid."""
    compact = re.sub(r"[^A-Za-z0-9]", "", value).upper()
    country = compact[:2] if compact[:2].isalpha() else "GB"
    length = IBAN_LENGTHS.get(country, len(compact))
    template = compact[4:length].ljust(length - 4, "0")
    bban = "".join(draw.digit() if ch.isdigit() else draw.letter().upper() for ch in template)
    number = int("".join(str(int(ch, 36)) for ch in bban + country + "00"))
    out = f"{country}{98 - number % 97:02d}{bban}"
    if len(compact) != length:
        return out
    out = fill(value, out, kinds="alnum")
    return out.lower() if value.islower() else out


def ssn(value: str, draw: Draw) -> str:
    """###-##-####: an area the SSA issues (not 000, 666 or 9xx), group and serial not zero."""
    area = 1 + draw.below(898)
    area = area + 1 if area >= 666 else area
    digits = f"{area:03d}{1 + draw.below(99):02d}{1 + draw.below(9999):04d}"
    if sum(ch.isdigit() for ch in value) != 9:
        return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"
    return fill(value, digits)


def ip(value: str, draw: Draw) -> str:
    """An address of the same family: a public IPv4 address, or IPv6 in 2001:db8::/32."""
    address = ipaddress.ip_address(value.strip())
    if address.version == 6:
        low = draw.below(1 << 96)
        return str(ipaddress.IPv6Address((0x20010DB8 << 96) | low))
    while True:
        candidate = ".".join(str(draw.below(256)) for _ in range(4))
        if ipv4_personal(candidate):
            return candidate


_TIME_TAIL = re.compile(r"[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?$")
_YMD = re.compile(r"(\d{4})([-/]?)(\d\d?)\2(\d\d?)")
_DMY = re.compile(r"(\d\d?)([./-])(\d\d?)\2(\d{4})")
_YMD_FORMATS = {"-": "%Y-%m-%d", "/": "%Y/%m/%d", "": "%Y%m%d"}


def parse_date(value: str) -> tuple[dt.date, str, str] | None:
    """The date, the format it was written in and any time part after it; None if not a date.

    Year first (1984-07-25, 1984/07/25, 19840725) or last, day before month (25/07/1984,
    25.07.1984, 25-07-1984) unless only month first makes a date (07/25/1984).
    """
    text = value.strip()
    if not text[:1].isdigit() or len(text) > 40:
        return None
    tail = _TIME_TAIL.search(text) if len(text) > 10 else None
    head = text[: tail.start()] if tail else text
    ymd = _YMD.fullmatch(head)
    if ymd:
        if not ymd[2] and len(head) != 8:
            return None
        candidates = [(ymd[1], ymd[3], ymd[4], _YMD_FORMATS[ymd[2]])]
    elif dmy := _DMY.fullmatch(head):
        sep = dmy[2]
        candidates = [(dmy[4], dmy[3], dmy[1], f"%d{sep}%m{sep}%Y")]
        if sep == "/":
            candidates.append((dmy[4], dmy[1], dmy[3], "%m/%d/%Y"))
    else:
        return None
    for year, month, day, fmt in candidates:
        try:
            return dt.date(int(year), int(month), int(day)), fmt, tail[0] if tail else ""
        except ValueError:
            continue
    return None


def shift_date(value: str, draw: Draw, days: int) -> str:
    """The date moved by a keyed 1..days days either way, written in the same format."""
    parsed = parse_date(value)
    if parsed is None:
        return shape(value, draw)
    date, fmt, tail = parsed
    offset = 1 + draw.below(days)
    moved = date + dt.timedelta(days=offset if draw.below(2) else -offset)
    return moved.strftime(fmt) + tail
