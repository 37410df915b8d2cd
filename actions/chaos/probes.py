"""The steady state of an experiment: SLO and HTTP probes with their tolerances."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from actions.chaos.fields import RECORDER_METRICS, Seconds, Strict, UrlPath
from actions.report.criteria import parse_criterion


class Tolerance(Strict):
    """Accepted values: a criterion (`< 300`, `<= +10%` of the value before) or a range."""

    criterion: str | None = None
    low: float | None = None
    high: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"criterion": value}
        if isinstance(value, list | tuple):
            if len(value) != 2 or not all(_is_number(v) for v in value):
                raise ValueError(f"{list(value)!r} is not a range (use [low, high], two numbers)")
            return {"low": value[0], "high": value[1]}
        if _is_number(value):
            raise ValueError(
                f"{value!r} is not a tolerance (use a criterion such as '< 300' or '<= +10%', "
                "or a range [low, high])"
            )
        return value

    @model_validator(mode="after")
    def _one_form(self) -> Tolerance:
        if self.criterion is not None:
            parse_criterion(self.criterion)
        elif self.low is None or self.high is None:
            raise ValueError("a tolerance is a criterion or a range [low, high]")
        elif self.low > self.high:
            raise ValueError(f"range [{self.low:g}, {self.high:g}]: low is above high")
        return self

    @property
    def relative(self) -> bool:
        return self.criterion is not None and parse_criterion(self.criterion).relative

    def holds(self, value: float, before: float | None = None) -> bool | None:
        """True or False; None for a relative criterion without a usable value before."""
        if self.criterion is not None:
            return parse_criterion(self.criterion).holds(value, before)
        assert self.low is not None and self.high is not None
        return self.low <= value <= self.high

    def __str__(self) -> str:
        return self.criterion or f"[{self.low:g}, {self.high:g}]"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class SloProbe(Strict):
    """A metric of the steady state: a recorder figure of a service, or an SLI by name."""

    type: Literal["slo"]
    name: str | None = None
    metric: str
    service: str | None = None
    tolerance: Tolerance

    @model_validator(mode="after")
    def _recorder_figures_name_a_service(self) -> SloProbe:
        if self.metric in RECORDER_METRICS and not self.service:
            raise ValueError(f"metric {self.metric!r} is a figure of one service: name the service")
        return self

    @property
    def label(self) -> str:
        where = f" of {self.service}" if self.service else ""
        return self.name or f"{self.metric}{where} {self.tolerance}"


class HttpProbe(Strict):
    """A request to a service; it holds when the status is expected and the latency tolerated."""

    type: Literal["http"]
    name: str | None = None
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    service: str
    path: UrlPath
    status: int | list[int] = 200  # one status, or several accepted
    timeout: Seconds = 3.0
    tolerance: Tolerance | None = None  # on the response time in ms, e.g. '< 500'

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("status")
    @classmethod
    def _statuses(cls, value: int | list[int]) -> int | list[int]:
        for status in value if isinstance(value, list) else [value]:
            if not 100 <= status <= 599:
                raise ValueError(f"{status} is not an HTTP status")
        return value

    @property
    def statuses(self) -> tuple[int, ...]:
        return tuple(self.status) if isinstance(self.status, list) else (self.status,)

    @property
    def label(self) -> str:
        return self.name or f"{self.method} {self.service} {self.path}"


Probe = Annotated[SloProbe | HttpProbe, Field(discriminator="type")]


class SteadyState(Strict):
    title: str = "steady state"
    probes: list[Probe] = Field(min_length=1)
    window: Seconds = 5.0  # each SLO reading covers this much; also the check before faults
    recovery: Seconds = 60.0  # the longest to wait for the steady state after the rollbacks


class Traffic(Strict):
    """Steady requests to a service during the whole experiment: what users would see.

    They give the SLO probes something to measure, and the results their user's view (time to
    detect, error budget burned)."""

    service: str
    paths: list[UrlPath] = Field(default_factory=lambda: ["/"], min_length=1)
    rate: float = Field(10.0, gt=0, le=200)  # requests per second, spread over the paths
    timeout: Seconds = 2.0
