"""The generator kinds of strings: codes, text, names, emails, phones and places.

Pydantic models like those of `specs.py`; the string generators themselves are in `strings.py`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from actions.seed import vocab
from actions.seed.patterns import parse_pattern
from actions.seed.specs import Spec


class Pattern(Spec):
    kind: Literal["pattern"]
    pattern: str

    @field_validator("pattern")
    @classmethod
    def _parses(cls, pattern: str) -> str:
        parse_pattern(pattern)
        return pattern


class Text(Spec):
    kind: Literal["text"]
    words: tuple[int, int] = (4, 12)

    @field_validator("words")
    @classmethod
    def _range(cls, words: tuple[int, int]) -> tuple[int, int]:
        if not 1 <= words[0] <= words[1] <= 200:
            raise ValueError("words must be [min, max] with 1 <= min <= max <= 200")
        return words


class Named(Spec):
    """A name, a product name, an address or a uuid: kinds with no options."""

    kind: Literal["first_name", "last_name", "street_address", "uuid", "product_name"]


class FullName(Spec):
    kind: Literal["full_name"]
    from_: list[str] | None = Field(None, alias="from", min_length=2, max_length=2)


class Email(Spec):
    kind: Literal["email"]
    from_: list[str] | None = Field(None, alias="from", min_length=1, max_length=3)
    domains: list[str] = Field(default_factory=lambda: list(vocab.EMAIL_DOMAINS), min_length=1)


class Local(Spec):
    """A phone number (E.164), a city or a postcode of one of `country`'s countries.

    Columns of a row with the same country list get the same country: a city matches its
    postcode and phone prefix.
    """

    kind: Literal["phone", "city", "postcode"]
    country: list[str] = Field(default_factory=lambda: ["US"], min_length=1)

    @field_validator("country", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("country")
    @classmethod
    def _known(cls, countries: list[str]) -> list[str]:
        unknown = [c for c in countries if c not in vocab.COUNTRIES]
        if unknown:
            raise ValueError(f"unknown country {unknown[0]!r}; known: {', '.join(vocab.COUNTRIES)}")
        return countries
