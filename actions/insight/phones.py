"""Detectors of phone numbers, written to leave the numbers of log lines alone. Pure.

Three shapes count anywhere, because logs do not write numbers that way: international numbers
with a `+` (`+44 20 7946 0958`), numbers with an area code in parentheses (`(555) 123-4567`) and
North American numbers with dashes or dots (`555-123-4567`). Any other grouping (`0490 75 40 81`,
`467 3395`, `5403926876`) counts only next to a word that says it is a phone number: `Phone:`,
`mobile`, `fax`, `call me at`, ... before it, or `office`, `fax`, `mobile` right after it.
Timestamps, dates, versions, durations, ports and ids carry no such word.
"""

from __future__ import annotations

import re

from actions.insight.detector import Check, Detector

_EXT = r"(?:[ \t]?(?:[xX]|[eE][xX][tT]\.?)[ \t]?\d{1,5})?"
_NO_MORE = r"(?!\w|[.-]\d)"  # the number ends here: not inside an id, a version or a decimal
_GROUPED = r"\+?(?:\(\d{1,4}\)[ .-]?)?\d{1,12}(?:[ .-]\d{1,8}){0,6}"
_DATE = re.compile(r"\d{4}[-./]\d\d?[-./]\d\d?|\d\d?[-./]\d\d?[-./]\d{2,4}")


def _digits(value: str) -> int:
    value = re.split(r"(?i)[ \t]?(?:x|ext)", value)[0]
    return sum(c.isdigit() for c in value)


def _between(low: int, high: int, *, plain_low: int | None = None) -> Check:
    """A check: the number has low..high digits (plain_low when it has no separator at all)."""

    def check(_m: re.Match[str], text: str, start: int, end: int) -> tuple[int, int] | None:
        value = text[start:end]
        if _DATE.fullmatch(value):
            return None
        n = _digits(value)
        grouped = any(c in value for c in " .-()")
        least = low if grouped or plain_low is None else plain_low
        return (start, end) if least <= n <= high else None

    return check


# On the lowercased text, tried where one of its words is (the detector's anchors).
_LEAD = (
    r"(?P<kw>(?:tele)?phone|tel|mobile|cell(?:phone)?|fax|desk|office|contact|whatsapp|sms"
    r"|(?:call|ring|text|reach|answering)(?:[ \t]+(?:me|us|him|her|them))?[ \t]+(?:at|on)"
    r"|registered(?:[ \t]+(?:number|phone|mobile))?|messages[ \t]+to)\b"
    r"(?:[ \t]*(?:number|no\.?|nr\.?|\#))?[ \t]*(?:is[ \t]*)?[:=]?\s*"
)


_TRAIL_WORDS = ("office", "fax", "mobile", "cell", "tel", "phone", "home")
_TRAIL = rf"(?=[ \t-](?:{'|'.join(_TRAIL_WORDS)})\b)"

PHONE_DETECTORS: list[Detector] = [
    Detector(
        "phone",
        re.compile(
            rf"(?<![\w+])\+\d{{1,15}}(?:[ .-]?\(\d{{1,4}}\)[ .-]?\d{{1,6}})?"
            rf"(?:[ .-]\d{{1,6}}){{0,6}}{_EXT}{_NO_MORE}"
        ),
        gate=re.compile(r"\+\d"),
        check=_between(8, 15, plain_low=10),
    ),
    Detector(
        "phone",
        re.compile(
            rf"(?<![\w)])(?:\+?\d{{1,3}}[ .-]?)?\(\d{{2,4}}\)[ .-]?\d{{3,4}}[ .-]\d{{3,4}}"
            rf"{_EXT}{_NO_MORE}"
        ),
        gate=re.compile(r"\)[ .-]?\d{3,4}[ .-]\d{3}"),
        check=_between(8, 15),
    ),
    Detector(
        "phone",
        re.compile(
            rf"(?<![\w.+-])(?:(?:\+?1|001)[-. ])?[2-9]\d\d([-.])\d{{3}}\1\d{{4}}{_EXT}{_NO_MORE}"
        ),
        gate=re.compile(r"[-.]\d{3}[-.]\d{4}"),
    ),
    Detector(
        "phone",
        re.compile(rf"{_LEAD}(?P<num>{_GROUPED}{_EXT}){_NO_MORE}"),
        groups=("num",),
        lower=True,
        anchors=(
            *("phone", "tel", "mobile", "cell", "fax", "desk", "office", "contact", "whatsapp"),
            *("sms", "call", "ring", "text", "reach", "answering", "registered", "messages"),
        ),
        word_start=True,
        check=_between(7, 15),
    ),
    Detector(
        "phone",
        re.compile(rf"(?<![\w.+-])({_GROUPED}){_NO_MORE}{_TRAIL}"),
        groups=(1,),
        needles=_TRAIL_WORDS,
        gate=re.compile(rf"\d[ \t-](?:{'|'.join(_TRAIL_WORDS)})\b"),
        lower=True,
        check=_between(7, 15),
    ),
]
