"""Simulated latency knob: `SHOP_LATENCY_FACTOR` (default 1) scales the database round trip."""

from __future__ import annotations

import math
import os
from functools import cache

FACTOR_ENV = "SHOP_LATENCY_FACTOR"


@cache
def latency_factor() -> float:
    """The factor from the environment, read once per process; a bad value is an error."""
    raw = os.environ.get(FACTOR_ENV, "1")
    try:
        factor = float(raw)
    except ValueError:
        factor = math.nan
    if not (math.isfinite(factor) and factor >= 0):
        raise ValueError(f"{FACTOR_ENV} must be a number ≥ 0, not {raw!r}")
    return factor


def scaled_latency(seconds: float) -> float:
    """`seconds` × SHOP_LATENCY_FACTOR: how long a simulated round trip waits."""
    return seconds * latency_factor()
