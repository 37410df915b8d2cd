"""Durations as people write them in config and chat: `500ms`, `30s`, `2m`, `1h`. Pure."""

from __future__ import annotations

import re

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)$")


def parse_duration(text: str | float | int) -> float:
    """Seconds from `30s`, `2m`, `500ms`, `1h` or a plain number of seconds."""
    if isinstance(text, int | float):
        return float(text)
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration (use e.g. 500ms, 30s, 2m, 1h)")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[unit]
