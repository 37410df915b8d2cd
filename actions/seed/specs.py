"""The generator kinds of numbers, choices, dates and references, as pydantic models.

A column's `generator: {kind: ...}` picks one (`string_specs.py` has the kinds of strings; the
union of both is `schema.GeneratorSpec`). Each kind says which column types it can make
(`types`); cross-column rules (foreign keys, `from:` columns, expressions) are in `checks.py`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from actions.seed.expr import parse_expr

ColumnType = Literal["int", "float", "str", "bool", "date", "datetime"]
Scalar = bool | int | float | str
NUMBERS = ("int", "float")
ANY: tuple[ColumnType, ...] = ("int", "float", "str", "bool", "date", "datetime")


class Spec(BaseModel):
    """What every generator kind shares."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    types: ClassVar[tuple[str, ...]] = ("str",)


class Numeric(Spec):
    """Numbers from a distribution, clipped to [min, max] and rounded to `round` decimals."""

    types: ClassVar[tuple[str, ...]] = NUMBERS
    min: float | None = None
    max: float | None = None
    round: int | None = Field(None, ge=0, le=12)

    @model_validator(mode="after")
    def _bounds(self) -> Numeric:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is above max")
        return self


class Sequence(Spec):
    kind: Literal["sequence"]
    types: ClassVar[tuple[str, ...]] = ("int",)
    start: int = 1
    step: int = 1

    @field_validator("step")
    @classmethod
    def _nonzero(cls, step: int) -> int:
        if step == 0:
            raise ValueError("step must not be 0")
        return step


class Uniform(Numeric):
    kind: Literal["uniform"]
    low: float
    high: float  # inclusive for int columns

    @model_validator(mode="after")
    def _range(self) -> Uniform:
        if self.low > self.high:
            raise ValueError("low is above high")
        return self


class Normal(Numeric):
    kind: Literal["normal"]
    mean: float
    sd: float = Field(ge=0)


class LogNormal(Numeric):
    kind: Literal["lognormal"]
    mean: float  # of the underlying normal, as numpy's lognormal
    sigma: float = Field(ge=0)


class Exponential(Numeric):
    kind: Literal["exponential"]
    mean: float = Field(gt=0)


class Poisson(Numeric):
    kind: Literal["poisson"]
    mean: float = Field(ge=0)


class Choice(Spec):
    kind: Literal["choice"]
    types: ClassVar[tuple[str, ...]] = ANY
    values: list[Scalar] = Field(min_length=1)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"{len(self.weights)} weights for {len(self.values)} values")
            if min(self.weights) < 0 or sum(self.weights) <= 0:
                raise ValueError("weights must be non-negative, with a positive sum")
        return self


class Constant(Spec):
    kind: Literal["constant"]
    types: ClassVar[tuple[str, ...]] = ANY
    value: bool | int | float | str | datetime | date


class Bool(Spec):
    kind: Literal["bool"]
    types: ClassVar[tuple[str, ...]] = ("bool",)
    p: float = Field(0.5, ge=0, le=1)


class Calendar(Spec):
    """A uniform date or time range, optionally weighted by weekday (Monday first)."""

    weekdays: list[float] | None = Field(None, min_length=7, max_length=7)

    @field_validator("weekdays")
    @classmethod
    def _weights(cls, weights: list[float] | None) -> list[float] | None:
        if weights is not None and (min(weights) < 0 or sum(weights) <= 0):
            raise ValueError("weights must be non-negative, with a positive sum")
        return weights


class Dates(Calendar):
    kind: Literal["date"]
    types: ClassVar[tuple[str, ...]] = ("date",)
    start: date
    end: date  # inclusive

    @model_validator(mode="after")
    def _range(self) -> Dates:
        if self.start > self.end:
            raise ValueError("start is after end")
        return self


class DateTimes(Calendar):
    """Times in UTC from `start` (inclusive) to `end` (exclusive), optionally by hour weights."""

    kind: Literal["datetime"]
    types: ClassVar[tuple[str, ...]] = ("datetime",)
    start: datetime
    end: datetime
    hours: list[float] | None = Field(None, min_length=24, max_length=24)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _midnight(cls, value: object) -> object:
        if isinstance(value, date) and not isinstance(value, datetime):
            return datetime(value.year, value.month, value.day)
        return value

    @field_validator("hours")
    @classmethod
    def _hour_weights(cls, weights: list[float] | None) -> list[float] | None:
        return cls._weights(weights)

    @model_validator(mode="after")
    def _range(self) -> DateTimes:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("give start and end without a time zone: they are read as UTC")
        if self.start >= self.end:
            raise ValueError("start is not before end")
        return self


class ForeignKey(Spec):
    kind: Literal["foreign_key"]
    types: ClassVar[tuple[str, ...]] = ANY
    ref: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$")
    skew: Literal["uniform", "zipf"] = "uniform"
    a: float = Field(1.2, gt=0)  # zipf exponent: the k-th most popular parent weighs 1/k**a


class Lookup(Spec):
    """A column of the parent row that a foreign-key column of this row points at."""

    kind: Literal["lookup"]
    types: ClassVar[tuple[str, ...]] = ANY
    via: str
    column: str


class Derived(Spec):
    kind: Literal["derived"]
    types: ClassVar[tuple[str, ...]] = (*NUMBERS, "bool")
    expr: str

    @field_validator("expr")
    @classmethod
    def _parses(cls, expr: str) -> str:
        parse_expr(expr)
        return expr
