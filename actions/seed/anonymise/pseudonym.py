"""Keyed, deterministic, format-preserving pseudonyms of personal values. Pure.

HMAC-SHA256 of the key and the value (normalised per kind: an email's case, a phone's or a
card's separators do not matter) drives every choice, so the same value becomes the same
pseudonym in every table and column of its kind (joins survive), a different key gives
different pseudonyms, and nothing can be reversed without the key. The key comes from the
caller: `bot/` reads it from the environment, never from a config file.

Memory: the name words learnt, and the values reserved and pseudonyms made of key-like kinds
(as 64-bit digests, `digests`), are kept for the whole run: they grow with the distinct values
of name and key-like columns. Pseudonyms are cached up to a bound per kind, past which they
are made again, identically.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from actions.errors import ConfigError
from actions.seed.anonymise import formats, freetext
from actions.seed.anonymise.digests import DigestMap, digest
from actions.seed.anonymise.formats import Draw
from actions.seed.anonymise.table import PiiKind
from actions.seed.anonymise.vocab import (
    CITIES,
    FIRST_NAMES,
    GENERIC_MAIL_DOMAINS,
    LAST_NAMES,
    STREET_NAMES,
    STREET_TYPES,
    TITLES,
)

MIN_KEY_BYTES = 16
_ATTEMPTS = 16
_UNIQUE = frozenset(("email", "phone", "card", "iban", "ssn", "ip"))
_NAMES = frozenset(("first_name", "last_name", "full_name"))
REMEMBERED = _UNIQUE | _NAMES  # the kinds `learn` or `reserve` keep something of
_TEXTS_KEPT = 100_000
_TEXT_CHARS = 200  # longer texts are scrubbed each time they come (rarely the same twice)
_CACHED = 20_000  # pseudonyms kept per kind; past that the cache starts again (same output)
_WORDS = re.compile(r"(\s+|,\s*)")


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _ip(value: str) -> str:
    try:
        return ipaddress.ip_address(value.strip()).compressed
    except ValueError:
        return value.strip()


def _date(value: str) -> str:
    parsed = formats.parse_date(value)
    return parsed[0].isoformat() if parsed else value.strip()


def _words(value: str) -> str:
    return " ".join(value.split()).casefold()


_NORMAL: dict[str, Callable[[str], str]] = {
    "email": lambda v: v.strip().lower(),
    "phone": _digits,
    "card": _digits,
    "ssn": _digits,
    "iban": lambda v: re.sub(r"[^A-Za-z0-9]", "", v).upper(),
    "postcode": lambda v: re.sub(r"[^A-Za-z0-9]", "", v).upper(),
    "ip": _ip,
    "birth_date": _date,
}


def normal(kind: PiiKind, value: str) -> str:
    """The form of a value that its pseudonym depends on (`Jane@X.com` is `jane@x.com`)."""
    return _NORMAL.get(kind, _words)(value)


def name_words(
    kind: PiiKind, values: Iterable[str | None], into: dict[str, PiiKind] | None = None
) -> dict[str, PiiKind]:
    """The words of a name column's values (titles and initials left out), each as a first or
    last name, added to `into` (a word keeps the kind it was first given)."""
    words = {} if into is None else into
    if kind not in _NAMES:
        return words
    for value in values:
        parts = [w for w in (value or "").split() if w.rstrip(".").lower() not in TITLES]
        for i, word in enumerate(parts):
            if len(word) < 2 or not word.replace("-", "").replace("'", "").isalpha():
                continue
            last = kind == "last_name" or (kind == "full_name" and i == len(parts) - 1 > 0)
            words.setdefault(word, "last_name" if last else "first_name")
    return words


def _styled(word: str, like: str) -> str:
    """`word` in the letter case of `like` (JANE, jane or Jane)."""
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word.lower() if like.islower() else word


class Pseudonymiser:
    """Replaces personal values by keyed pseudonyms of the same format, kind by kind."""

    def __init__(self, key: bytes, *, date_shift_days: int = 180) -> None:
        if not isinstance(key, bytes | bytearray) or len(key) < MIN_KEY_BYTES:
            raise ConfigError(
                f"the pseudonymisation key must be at least {MIN_KEY_BYTES} bytes "
                "(32 random bytes recommended)"
            )
        if date_shift_days < 1:
            raise ConfigError("date_shift_days must be at least 1")
        self._key = bytes(key)
        self._days = date_shift_days
        self._cache: dict[str, dict[str, str]] = {}
        self._known: dict[str, PiiKind] = {}  # name words seen in name columns, for free text
        self._texts: dict[str, tuple[str, Counter[str]]] = {}
        self._taken: dict[str, DigestMap] = {}  # kind: pseudonym (normalised) -> its value

    def __repr__(self) -> str:  # never shows the key
        return f"Pseudonymiser(<key {len(self._key)} bytes>, known names={len(self._known)})"

    def replace(self, kind: PiiKind, value: str) -> str:
        """The pseudonym of `value` as a `kind`; free text gets each value found in it replaced."""
        if kind == "none" or not value.strip():
            return value
        if kind == "free_text":
            return self.scrub(value)[0]
        cache = self._cache.setdefault(kind, {})
        out = cache.get(value)
        if out is None:
            if len(cache) >= _CACHED:  # bounded: a value made again gets the same pseudonym
                cache.clear()
            out = cache[value] = self._make(kind, value)
        return out

    def scrub(self, text: str) -> tuple[str, Counter[str]]:
        """Free text with every personal value found in it replaced, and how many of each kind."""
        done = self._texts.get(text)
        if done is None:
            done = freetext.scrub(text, self.replace, self._known, self._key)
            # repeated texts ("Resolved.") are read once; short ones only: memory stays bounded
            if len(text) <= _TEXT_CHARS and len(self._texts) < _TEXTS_KEPT:
                self._texts[text] = done
        return done[0], Counter(done[1])

    def learn(self, kind: PiiKind, values: Iterable[str | None]) -> None:
        """Remember the words of a name column, so free text naming the same people is scrubbed."""
        if kind in _NAMES:
            self.learn_words(name_words(kind, values))

    def learn_words(self, words: Mapping[str, PiiKind]) -> None:
        """Remember name words (from `name_words`), each as the kind first given to it."""
        if words:
            self._texts.clear()  # texts read before may name these people
        for word, kind in words.items():
            self._known.setdefault(word, kind)

    def reserve(self, kind: PiiKind, values: Iterable[str | None]) -> None:
        """Values of a column that no pseudonym of that kind may be (for kinds that are keys:
        email, phone, card, IBAN, SSN, IP), so no output is some other person's real value."""
        if kind in _UNIQUE:
            taken = self._taken_of(kind)
            for value in values:
                if value is not None and value.strip():
                    norm = digest(normal(kind, value))
                    taken.setdefault_digest(norm, norm)

    def _taken_of(self, kind: PiiKind) -> DigestMap:
        taken = self._taken.get(kind)
        if taken is None:
            taken = self._taken[kind] = DigestMap()
        return taken

    def _make(self, kind: PiiKind, value: str) -> str:
        norm = normal(kind, value)
        maker = _MAKERS[kind]
        taken = self._taken_of(kind) if kind in _UNIQUE else None
        mine = digest(norm) if taken is not None else 0
        out = value
        # Another draw when the pseudonym is the value, a reserved value or another value's
        # pseudonym: within a run, a key column stays unique (which value of a colliding pair
        # draws again depends on the order they come in: rare, 1 in 10^8 for an SSN).
        for attempt in range(_ATTEMPTS):
            draw = Draw(self._key, f"{kind}/{attempt}", norm)
            try:
                out = maker(self, value, draw)
            except ValueError:  # not a value of this kind after all: keep only its shape
                out = formats.shape(value, draw)
            done = normal(kind, out)
            if done != norm and (
                taken is None or taken.setdefault_digest(digest(done), mine) == mine
            ):
                return out
        return out

    def _email(self, value: str, draw: Draw) -> str:
        _local, at, domain = value.strip().rpartition("@")
        if not at or not domain:
            raise ValueError("not an email")
        domain = domain.lower()
        local = f"{FIRST_NAMES[draw.below(len(FIRST_NAMES))].lower()}.{draw.token(8)}"
        if domain not in GENERIC_MAIL_DOMAINS:  # an employer's domain names the person's employer
            domain = f"{Draw(self._key, 'mail-domain', domain).token(6)}.example.com"
        return f"{local}@{domain}"

    def _word(self, vocab: tuple[str, ...], value: str, draw: Draw) -> str:
        i = draw.below(len(vocab))
        if vocab[i].casefold() == _words(value):
            i = (i + 1) % len(vocab)
        return _styled(vocab[i], value.strip())

    def _full_name(self, value: str, draw: Draw) -> str:
        parts = _WORDS.split(value.strip())
        names = [
            i for i, p in enumerate(parts) if p.strip(", ") and p.rstrip(".").lower() not in TITLES
        ]
        for n, i in enumerate(names):
            kind: PiiKind = "last_name" if n == len(names) - 1 and n else "first_name"
            if len(names) == 1:  # "Mr. Smith": the kind its name column gave it, if any
                kind = self._known.get(parts[i], kind)
            parts[i] = self.replace(kind, parts[i])
        return "".join(parts)

    def _street(self, value: str, draw: Draw) -> str:
        words = re.findall(r"[^\W\d_]+\.?", value)
        kind = next((w for w in reversed(words) if w.rstrip(".").lower() in STREET_TYPES), "Street")
        number = re.search(r"\d+", value)
        house = str(1 + draw.below(199))
        if number:
            house = draw.digit(1) + "".join(draw.digit() for _ in number[0][1:])
        street = STREET_NAMES[draw.below(len(STREET_NAMES))]
        if number and number.start() > len(value) // 2:  # "Hauptstrasse 12": number last
            return f"{street} {kind} {house}"
        return f"{house} {street} {kind}"


_MAKERS: dict[str, Callable[[Pseudonymiser, str, Draw], str]] = {
    "email": Pseudonymiser._email,
    "phone": lambda _p, v, d: formats.phone(v, d) if len(_digits(v)) >= 5 else formats.shape(v, d),
    "first_name": lambda p, v, d: p._word(FIRST_NAMES, v, d),
    "last_name": lambda p, v, d: p._word(LAST_NAMES, v, d),
    "full_name": Pseudonymiser._full_name,
    "street_address": Pseudonymiser._street,
    "postcode": lambda _p, v, d: formats.shape(v, d),
    "city": lambda p, v, d: p._word(CITIES, v, d),
    "birth_date": lambda p, v, d: formats.shift_date(v, d, p._days),
    "iban": lambda _p, v, d: formats.iban(v, d),
    "card": lambda _p, v, d: formats.card(v, d) if _digits(v) else formats.shape(v, d),
    "ssn": lambda _p, v, d: formats.ssn(v, d),
    "ip": lambda _p, v, d: formats.ip(v, d),
}
