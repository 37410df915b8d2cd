"""What a column's name says it holds: `customer_email` an email, `dob` a birth date. Pure.

The name is cut into words (`billingPostCode` -> billing, post, code) and its last words are
looked up: `email_verified` ends in `verified`, so it is not an email column, and
`city_id` is not a city. Trailing words that only say "a number of" (`phone_number`,
`address_line_1`) are skipped first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from actions.seed.anonymise.table import PiiKind

_HINTS: dict[PiiKind, tuple[str, ...]] = {
    "email": ("email", "mail", "emailaddress", "e mail", "email address", "mail address"),
    "phone": (
        *("phone", "telephone", "tel", "mobile", "cell", "cellphone", "fax", "msisdn"),
        *("phonenumber", "mobile phone", "contact number", "mobile number", "callback"),
    ),
    "first_name": ("firstname", "forename", "fname", "givenname", "first name", "given name"),
    "last_name": ("lastname", "surname", "lname", "familyname", "last name", "family name"),
    "full_name": (
        *("fullname", "cardholder", "full name", "customer name", "contact name", "holder name"),
        *("account holder", "card holder", "recipient name", "person name", "patient name"),
        *("billing name", "shipping name", "display name", "employee name", "cardholder name"),
    ),
    "street_address": (
        *("address", "street", "addr", "streetaddress", "street address", "address line"),
        *("home address", "postal address", "mailing address", "billing address"),
    ),
    "postcode": (
        "zip",
        "zipcode",
        "postcode",
        "postalcode",
        "zip code",
        "postal code",
        "post code",
    ),
    "city": ("city", "town"),
    "birth_date": ("dob", "birthdate", "birthday", "birth", "birth date", "born", "born on"),
    "iban": ("iban", "bank account"),
    "card": ("pan", "ccnumber", "cardnumber", "card", "credit card", "cc", "card no"),
    "ssn": ("ssn", "social security", "socialsecurity", "sin"),
    "ip": ("ip", "ipaddress", "ipaddr", "ip address", "remote addr", "client ip", "ipv4", "ipv6"),
    "free_text": (
        *("notes", "note", "comment", "comments", "description", "remarks", "remark", "message"),
        *("body", "text", "details", "memo", "feedback", "reason", "summary", "content"),
    ),
}
# Names that say the column is not a person's: "mac address", "product name".
_NOT_PII = frozenset(("mac address", "web address", "server ip", "host ip"))
# A column called just `name` holds people's names only sometimes (products, cities, teams):
# a weak hint, taken only when the values agree.
_WEAK: dict[str, PiiKind] = {"name": "full_name", "contact": "full_name", "customer": "full_name"}
# Names of columns that never hold a person's data, whatever their values look like: a
# version "2.4.1.0" reads as an IP address, a barcode can pass a card's Luhn check.
_PLAIN = frozenset(
    (
        *("version", "ver", "build", "release", "sha", "hash", "checksum", "digest", "uuid"),
        *("guid", "etag", "sku", "isbn", "ean", "upc", "gtin", "barcode", "serial"),
    )
)
_FILLER = frozenset(("number", "no", "num", "nr", "value", "1", "2", "3", "line", "str", "txt"))
_SPLIT = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")

_LOOKUP: dict[str, PiiKind] = {word: kind for kind, words in _HINTS.items() for word in words}


@dataclass(frozen=True)
class Hint:
    """The kind a column name suggests; `weak` when only the values can confirm it."""

    kind: PiiKind
    weak: bool = False


def words_of(name: str) -> list[str]:
    """A column name as lowercase words: `billingPostCode` -> [billing, post, code]."""
    return [w.lower() for w in _SPLIT.findall(name)]


def hint_for(column: str) -> Hint | None:
    """What the column's name says it holds, or None."""
    words = words_of(column)
    while len(words) > 1 and words[-1] in _FILLER and not _lookup(words):
        words = words[:-1]
    if not words:
        return None
    return _lookup(words)


def plain_column(column: str) -> bool:
    """The column's name says it holds no personal data (`app_version`, `sku`)."""
    words = words_of(column)
    return bool(words) and words[-1] in _PLAIN


def _lookup(words: list[str]) -> Hint | None:
    for n in (3, 2, 1):
        if len(words) < n:
            continue
        tail, joined = " ".join(words[-n:]), "".join(words[-n:])
        if tail in _NOT_PII:
            return None
        kind = _LOOKUP.get(tail) or _LOOKUP.get(joined)
        if kind is not None:
            return Hint(kind)
    if len(words) == 1 and words[0] in _WEAK:
        return Hint(_WEAK[words[0]], weak=True)
    return None
