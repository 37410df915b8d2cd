"""SLO criteria such as `< 300`, `<= 1%` or `<= +10%` (relative to the baseline). Pure."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

_CRITERION = re.compile(r"^\s*(<=|>=|<|>|==)\s*([+-])?\s*(\d+(?:\.\d+)?)\s*(%|ms|s)?\s*$")
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}


@dataclass(frozen=True)
class Criterion:
    """One comparison; `relative` compares the change from the baseline, in percent."""

    op: str
    value: float
    relative: bool
    text: str

    def holds(self, measured: float, baseline: float | None) -> bool | None:
        """True or False; None when a relative criterion has no usable baseline."""
        if not self.relative:
            return _OPS[self.op](measured, self.value)
        if baseline is None or baseline == 0:
            return None
        change_pct = (measured - baseline) / abs(baseline) * 100.0
        return _OPS[self.op](change_pct, self.value)


def parse_criterion(text: str) -> Criterion:
    """Parse a criterion; an explicit sign with `%` makes it relative to the baseline."""
    match = _CRITERION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a criterion (use e.g. '< 300', '<= 1%', '<= +10%')")
    op, sign, number, unit = match.groups()
    value = float(number) * (-1 if sign == "-" else 1)
    if unit == "s":
        value *= 1000.0
    return Criterion(op=op, value=value, relative=bool(sign) and unit == "%", text=text.strip())
