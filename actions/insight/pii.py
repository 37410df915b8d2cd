"""Detectors of personal data with a fixed shape: email, card, IBAN, SSN, IP address. Pure.

Each shape is confirmed by its checksum or range (`checks`): cards by Luhn and an issuer prefix,
IBANs by their country's length and mod 97, SSNs outside the never-issued ranges. Each pattern
refuses to start or end inside a longer token, so ids, versions, timestamps and hashes of logs
are left alone.

IP addresses: only those that can point at a person are redacted. Loopback, private (10/8,
172.16/12, 192.168/16, fc00::/7), link-local, carrier NAT, unspecified, multicast and broadcast
addresses name infrastructure, not people, and they are what an engineer needs in a report
(`http://127.0.0.1:8001`, a pod's 10.244.1.17). Documentation ranges (203.0.113.0/24, 2001:db8::/32)
count as public: they stand in for client addresses in examples.
"""

from __future__ import annotations

import re

from actions.insight.checks import card_ok, iban_length, iban_ok, ip_personal, ssn_ok
from actions.insight.detector import Detector


def _email_check(_m: re.Match[str], text: str, start: int, end: int) -> tuple[int, int] | None:
    # `git@github.com:org/repo` is an ssh remote, not a person's address
    return None if text[start:end].lower().startswith("git@") else (start, end)


def _card_check(_m: re.Match[str], text: str, start: int, end: int) -> tuple[int, int] | None:
    return (start, end) if card_ok(text[start:end]) else None


def _iban_check(_m: re.Match[str], text: str, start: int, end: int) -> tuple[int, int] | None:
    """The IBAN at the start of the candidate, cut to its country's length at a group border."""
    start -= 2  # the pattern starts at the check digits, after the country code
    candidate = text[start:end]
    length = iban_length(candidate)
    if length is None:
        return None
    taken, cut = 0, len(candidate)
    for i, ch in enumerate(candidate):
        if ch != " ":
            taken += 1
            if taken == length:
                cut = i + 1
                break
    if taken < length or (cut < len(candidate) and candidate[cut] != " "):
        return None
    compact = candidate[:cut].replace(" ", "")
    if " " in candidate[:cut] and any(g and len(g) != 4 for g in candidate[:cut].split(" ")[:-1]):
        return None  # spaced IBANs come in groups of four
    return (start, start + cut) if iban_ok(compact) else None


def _ssn_check(_m: re.Match[str], text: str, start: int, end: int) -> tuple[int, int] | None:
    digits = re.sub(r"\D", "", text[start:end])
    return (start, end) if ssn_ok(digits[:3], digits[3:5], digits[5:]) else None


_VERSION_WORDS = ("version", "ver", "release", "build", "firmware", "fw", "kernel")
_WORD_BEFORE = re.compile(r"([a-z]+)[ \t]*[:=]?[ \t]*$")


def _ipv4_check(m: re.Match[str], text: str, start: int, end: int) -> tuple[int, int] | None:
    while start > 0 and text[start - 1].isdigit():  # back to the first octet
        start -= 1
    return _ip_check(m, text, start, end)


def _ip_check(_m: re.Match[str], text: str, start: int, end: int) -> tuple[int, int] | None:
    before = _WORD_BEFORE.search(text[max(0, start - 12) : start].lower())
    if before and before[1] in _VERSION_WORDS:  # "version 2.4.1.0" is a version
        return None
    value = text[start:end].split("%")[0]
    if ":" in value and not any(c.isdigit() for c in value):
        return None  # "dead::beef" reads as a word, and C++ "a::b" is code
    return (start, end) if ip_personal(value) else None


_HEX = "[0-9A-Fa-f]"

PII_DETECTORS: list[Detector] = [
    Detector(
        "email",
        re.compile(
            r"(?<![\w.+%-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}"
            r"(?![\w-])"
        ),
        needles=("@",),
        check=_email_check,
    ),
    Detector(
        "iban",
        # starts at the check digits (a digit is a fast first step for the regex engine)
        re.compile(r"\d(?<=(?<![\w-])[A-Za-z]{2}\d)\d(?: ?[A-Za-z0-9]){11,34}(?![\w-])"),
        check=_iban_check,
    ),
    Detector(
        "card",
        re.compile(r"(?<![\w.+/:-])\d(?:[ -]?\d){11,18}(?![\w]|[.,:-]\d)"),
        check=_card_check,
    ),
    Detector(
        "ssn",
        re.compile(r"(?<![\w./:-])\d{3}-\d{2}-\d{4}(?![\w/:-]|\.\d)"),
        gate=re.compile(r"-\d\d-\d{4}"),
        check=_ssn_check,
    ),
    Detector(
        "ssn",
        re.compile(
            r"(?:ssn|social security(?: number)?)\b[^\d\n]{0,12}(\d{3} \d{2} \d{4}|\d{9})(?!\w)"
        ),
        groups=(1,),
        lower=True,
        anchors=("ssn", "social security"),
        word_start=True,
        check=_ssn_check,
    ),
    Detector(  # compressed IPv6: 2001:db8::1, ::ffff:203.0.113.9, fe80::1%eth0
        "ip",
        re.compile(
            rf"(?<![\w:.])(?:{_HEX}{{1,4}}(?::{_HEX}{{1,4}}){{0,6}})?::"
            rf"(?:(?:{_HEX}{{1,4}}:){{0,6}}(?:{_HEX}{{1,4}}|(?:\d{{1,3}}\.){{3}}\d{{1,3}}))?"
            r"(?:%[\w.]+)?(?![\w:]|\.\d)"
        ),
        needles=("::",),
        check=_ip_check,
    ),
    Detector(  # full IPv6: eight groups
        "ip",
        re.compile(rf"(?<![\w:.]){_HEX}{{1,4}}(?::{_HEX}{{1,4}}){{7}}(?:%[\w.]+)?(?![\w:]|\.\d)"),
        gate=re.compile(rf":{_HEX}{{1,4}}:{_HEX}{{1,4}}:{_HEX}{{1,4}}:{_HEX}{{1,4}}:"),
        check=_ip_check,
    ),
    Detector(
        "ip",
        # found at its first dot (a literal: a fast scan), the first octet looked behind for
        re.compile(
            r"\.(?:(?<=(?<![\w.-])\d\.)|(?<=(?<![\w.-])\d\d\.)|(?<=(?<![\w.-])\d\d\d\.))"
            r"\d{1,3}\.\d{1,3}\.\d{1,3}(?![\w]|\.\d)"
        ),
        check=_ipv4_check,
    ),
]
