"""What an experiment does: faults held for a duration, pauses, rollbacks, abort conditions and
the blast radius."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from actions.chaos.fields import (
    DESTRUCTIVE,
    NAME_PATTERN,
    Seconds,
    SecondsOrZero,
    Share,
    Strict,
    UrlPath,
    parse_share,
)
from actions.report.criteria import parse_criterion


class Instances(Strict):
    """How many of a service's instances a fault touches: a count (`1`) or a share (`50%`)."""

    count: int | None = Field(None, ge=1)
    share: float | None = Field(None, gt=0, le=1)

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, value: Any) -> Any:
        if isinstance(value, bool) or (isinstance(value, int) and value < 1):
            raise ValueError(
                f"{value!r} is not a number of instances (use a count such as 1, a share such "
                "as 50%, or all)"
            )
        if isinstance(value, int):
            return {"count": value}
        if value == "all":
            return {"share": 1.0}
        if isinstance(value, str | float):
            return {"share": parse_share(value)}
        return value

    def touched(self, replicas: int) -> int:
        """Instances touched among `replicas`: a share rounds down, but touches at least one."""
        if self.count is not None:
            return self.count
        return max(1, math.floor((self.share or 0) * replicas + 1e-9))


class _Fault(Strict):
    type: str  # each fault narrows it to its Literal
    name: str | None = None
    service: str = Field(pattern=NAME_PATTERN)
    duration: Seconds
    instances: Instances = Field(default_factory=lambda: Instances(count=1))

    @property
    def destructive(self) -> bool:
        return self.type in DESTRUCTIVE

    @property
    def label(self) -> str:
        return self.name or f"{self.type} on {self.service}"


class Latency(_Fault):
    type: Literal["latency"]
    delay: Seconds
    jitter: SecondsOrZero = 0.0

    @model_validator(mode="after")
    def _jitter_within_delay(self) -> Latency:
        if self.jitter > self.delay:
            raise ValueError(f"jitter {self.jitter:g}s is more than the delay {self.delay:g}s")
        return self


class Errors(_Fault):
    type: Literal["errors"]
    status: int = Field(503, ge=500, le=599)  # the fault proxy answers 5xx only
    rate: Share = 1.0


class Reset(_Fault):
    type: Literal["reset"]
    rate: Share = 1.0


class Blackhole(_Fault):
    type: Literal["blackhole"]


_BANDWIDTH = re.compile(r"^(\d+(?:\.\d+)?)\s*(kbps|mbps|gbps)$", re.IGNORECASE)


class Bandwidth(_Fault):
    type: Literal["bandwidth"]
    rate: float  # kbit/s; written `256kbps`, `1mbps`

    @field_validator("rate", mode="before")
    @classmethod
    def _kbps(cls, value: Any) -> Any:
        match = _BANDWIDTH.match(str(value).strip())
        if not match or float(match.group(1)) <= 0:
            raise ValueError(f"{value!r} is not a bandwidth (use e.g. 256kbps or 1mbps)")
        unit = {"kbps": 1.0, "mbps": 1e3, "gbps": 1e6}[match.group(2).lower()]
        return float(match.group(1)) * unit


class Shutdown(_Fault):
    """Stop processes (local) or delete pods (kubernetes) of the service."""

    type: Literal["shutdown"]


class ScaleToZero(_Fault):
    """Scale the service's Deployment to zero replicas (kubernetes only): every instance."""

    type: Literal["scale_to_zero"]
    instances: Instances = Field(default_factory=lambda: Instances(share=1.0))

    @field_validator("instances")
    @classmethod
    def _all(cls, value: Instances) -> Instances:
        if value.share != 1.0:
            raise ValueError("scale_to_zero touches every instance: leave instances out")
        return value


class Pause(Strict):
    type: Literal["pause"]
    name: str | None = None
    duration: Seconds

    @property
    def label(self) -> str:
        return self.name or "pause"


Fault = Latency | Errors | Reset | Blackhole | Bandwidth | Shutdown | ScaleToZero
Action = Annotated[Fault | Pause, Field(discriminator="type")]


class Restore(Strict):
    """Bring a service back to what it was before: faults removed, instances and replicas back."""

    type: Literal["restore"]
    service: str = Field(pattern=NAME_PATTERN)


class HttpCall(Strict):
    """Call an endpoint of a service, e.g. to flush a cache; `status` is what success looks like."""

    type: Literal["http"]
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    service: str = Field(pattern=NAME_PATTERN)
    path: UrlPath
    status: int = Field(200, ge=100, le=599)
    timeout: Seconds = 10.0


RollbackAction = Annotated[Restore | HttpCall, Field(discriminator="type")]

_GUARD = re.compile(
    r"^\s*(?P<metric>[A-Za-z0-9_.-]+)(?:\s+of\s+(?P<service>[A-Za-z0-9_.-]+))?\s*"
    r"(?P<breach>(?:<=|>=|<|>|==)\s*[^ ]+(?:\s*%)?)\s+for\s+(?P<for>\S+)\s*$"
)


class AbortCondition(Strict):
    """Abort when a steady-state metric breaches for long enough: `error_rate_pct > 20 for 10s`."""

    metric: str
    service: str | None = None  # none: every steady-state probe of the metric, each on its own
    breach: str
    for_: SecondsOrZero = Field(0.0, alias="for")

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        match = _GUARD.match(value)
        if not match:
            raise ValueError(
                f"{value!r} is not an abort condition "
                "(use e.g. 'error_rate_pct > 20 for 10s' or 'p95_ms of storefront > 800 for 5s')"
            )
        fields = match.groupdict()
        return {k: v for k, v in fields.items() if v is not None}

    @field_validator("breach")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if parse_criterion(value).relative:
            raise ValueError("an abort threshold is absolute (e.g. '> 20'), not relative")
        return value

    def __str__(self) -> str:
        where = f" of {self.service}" if self.service else ""
        return f"{self.metric}{where} {self.breach} for {self.for_:g}s"


class BlastRadius(Strict):
    instances: Share = 0.5  # the largest share of one service's instances a fault may touch
    services: int = Field(1, ge=1)  # the most distinct services the method may touch
