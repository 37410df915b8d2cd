"""Checksums and shape tests that turn a pattern's candidate into a finding. Pure.

A regular expression finds what looks like a card number, an IBAN or an address; these decide
whether it is one (Luhn, ISO 7064 mod 97, the SSA's invalid ranges, address classes), so the
numbers log lines are full of are left alone.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections import Counter


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of a card number (digits only)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def card_ok(number: str) -> bool:
    """A payment card number: 12-19 digits, a known issuer prefix and a valid Luhn checksum.

    The prefix test keeps out most long numbers of logs (epoch milliseconds and nanoseconds
    start with 1, which no card issuer uses but JCB's old 1800).
    """
    digits = re.sub(r"[ -]", "", number)
    if not 12 <= len(digits) <= 19 or not digits.isdigit():
        return False
    if len({ch for ch in number if ch in " -"}) > 1:  # "4111 1111-1111 1111" is not a card
        return False
    head = int(digits[:4])
    issuer = digits[0] in "3456" or 2221 <= head <= 2720 or head in (1800, 2131)
    return issuer and luhn_ok(digits)


# ISO 13616 lengths by country (SWIFT's IBAN registry).
IBAN_LENGTHS = {
    **dict.fromkeys(["NO"], 15),
    **dict.fromkeys(["BE"], 16),
    **dict.fromkeys(["DK", "FI", "FK", "FO", "GL", "NL", "SD"], 18),
    **dict.fromkeys(["MK", "SI"], 19),
    **dict.fromkeys(["AT", "BA", "EE", "KZ", "LT", "LU", "MN", "XK"], 20),
    **dict.fromkeys(["CH", "HR", "LI", "LV"], 21),
    **dict.fromkeys(["BG", "BH", "CR", "DE", "GB", "GE", "IE", "ME", "RS", "VA"], 22),
    **dict.fromkeys(["AE", "GI", "IL", "IQ", "OM", "SO", "TL"], 23),
    **dict.fromkeys(["CZ", "ES", "MD", "PK", "RO", "SA", "SE", "SK", "TN", "VG"], 24),
    **dict.fromkeys(["LY", "ST"], 25),
    **dict.fromkeys(["IS", "TR"], 26),
    **dict.fromkeys(["BI", "DJ", "FR", "GR", "IT", "MC", "MR", "SM"], 27),
    **dict.fromkeys(["AL", "AZ", "BY", "CY", "DO", "GT", "HU", "LB", "NI", "PL", "SV"], 28),
    **dict.fromkeys(["BR", "EG", "PS", "QA", "UA"], 29),
    **dict.fromkeys(["JO", "KW", "MU", "YE"], 30),
    **dict.fromkeys(["MT", "SC"], 31),
    **dict.fromkeys(["LC"], 32),
    **dict.fromkeys(["RU"], 33),
}


def iban_length(candidate: str) -> int | None:
    """How many characters (spaces not counted) an IBAN starting like `candidate` has."""
    return IBAN_LENGTHS.get(candidate[:2].upper())


def iban_ok(compact: str) -> bool:
    """An IBAN without spaces: its country's length, one letter case, and mod 97 == 1."""
    if iban_length(compact) != len(compact) or not compact[2:4].isdigit():
        return False
    if not (compact.isupper() or compact.islower() or compact[4:].isdigit()):
        return False
    moved = (compact[4:] + compact[:4]).upper()
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def ssn_ok(area: str, group: str, serial: str) -> bool:
    """A US social security number outside the ranges the SSA never issues."""
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


# Addresses of infrastructure, not of a person: loopback, private, link-local, carrier NAT,
# unspecified, multicast, reserved and broadcast (IPv4: `ipv4_personal`). Documentation ranges
# (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) stay personal: they stand in
# for public client addresses in examples and tests.
_NOT_PERSONAL = [
    ipaddress.ip_network(net)
    for net in (
        "::/128",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
]


def ipv4_personal(text: str) -> bool:
    """A valid dotted IPv4 address that can point at a person (the common case, without parsing)."""
    parts = text.split(".")
    if len(parts) != 4 or any(len(p) > 1 and p[0] == "0" for p in parts):
        return False  # "01.02.03.04" is not how addresses are written
    a, b, c, d = (int(p) for p in parts)
    if max(a, b, c, d) > 255:
        return False
    private = (
        a in (0, 10, 127)
        or a >= 224
        or (a == 100 and 64 <= b < 128)
        or (a == 169 and b == 254)
        or (a == 172 and 16 <= b < 32)
        or (a == 192 and b == 168)
    )
    return not private


def ip_personal(text: str) -> bool:
    """A valid IPv4 or IPv6 address that can point at a person (not loopback, private, ...)."""
    if ":" not in text:
        return ipv4_personal(text)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return ipv4_personal(str(address.ipv4_mapped))
    return not any(address in net for net in _NOT_PERSONAL if net.version == address.version)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def looks_random(value: str, *, min_len: int = 16) -> bool:
    """A machine-made value (key, signature): long, mixed classes, high entropy, not a UUID."""
    if len(value) < min_len or _UUID.fullmatch(value):
        return False
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
        )
    )
    return classes >= 2 and entropy(value) >= 3.5


def name_shaped(value: str, *, max_words: int = 4) -> bool:
    """Words that read like a person's name: each capitalised, letters only (and . ' -)."""
    words = value.split()
    if not 1 <= len(words) <= max_words:
        return False
    for word in words:
        letters = word.replace(".", "").replace("'", "").replace("’", "").replace("-", "")
        if not letters.isalpha() or not word[0].isupper() or len(word) > 30:
            return False
        if len(letters) > 1 and letters.isupper():  # "ERROR", "HTTP": shouting, not a name
            return False
    return True
