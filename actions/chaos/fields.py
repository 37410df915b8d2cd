"""The field types of chaos experiments: durations, shares and paths, read leniently, kept exact."""

from __future__ import annotations

import math
from typing import Annotated, Any, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
)

from actions.durations import parse_duration
from actions.telemetry.recorder import Metric

RECORDER_METRICS: tuple[str, ...] = get_args(Metric)
DESTRUCTIVE = frozenset({"shutdown", "scale_to_zero", "blackhole"})
NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"


def _seconds(value: Any, *, zero: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{value!r} is not a duration (use e.g. 500ms, 30s, 2m)")
    seconds = parse_duration(value)
    if seconds < 0 or (seconds == 0 and not zero):
        raise ValueError(f"{value!r} must be longer than zero")
    return seconds


def parse_share(value: Any) -> float:
    """`50%`, `0.5` or `1` (all) as a share in (0, 1]."""
    text = str(value).strip()
    try:
        share = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        share = math.nan
    if isinstance(value, bool) or not 0 < share <= 1:
        raise ValueError(f"{value!r} is not a share (use e.g. 50% or 0.5)")
    return share


def _path(value: Any) -> Any:
    if isinstance(value, str) and not value.startswith("/"):
        raise ValueError(f"{value!r} is not a path (it starts with /, e.g. /api/products)")
    return value


UrlPath = Annotated[str, BeforeValidator(_path)]
Seconds = Annotated[float, BeforeValidator(lambda v: _seconds(v, zero=False))]
"""A duration such as `20s` or `300ms`, kept in seconds; must be longer than zero."""
SecondsOrZero = Annotated[float, BeforeValidator(lambda v: _seconds(v, zero=True))]
Share = Annotated[float, BeforeValidator(parse_share)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
