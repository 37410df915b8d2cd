"""Traffic profiles: the load of a common scenario as data, run by one generic Locust harness.

A profile names its endpoints (method, path template, weight, params/json/headers templates,
expected statuses), the users' think time and either a steady load (users, spawn rate,
duration) or stages. `load_profile` validates a YAML file and names every problem;
`render_request` draws one request from an endpoint. Pure but for reading the file.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from actions.durations import parse_duration
from actions.errors import PreprodError
from actions.testing import payload
from actions.yaml_files import format_errors, read_yaml

PROFILE_ENV = "PREPROD_LOAD_PROFILE"
"""The harness reads the profile's path from this variable (passed to Locust explicitly)."""
DEFAULT_DURATION_S = 60.0
Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class ProfileError(PreprodError):
    """A traffic profile cannot be read or is invalid; the message lists every problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _positive_duration(value: str | float) -> str | float:
    if isinstance(value, bool) or parse_duration(value) <= 0:
        raise ValueError(f"{value!r} is not a positive duration (use e.g. 500ms, 30s, 2m)")
    return value


class ThinkTime(_Strict):
    """A user's wait between requests: `{min, max}`, `{constant}`, or `{throughput}` (requests
    per second per user, Locust's `constant_throughput`). A bare number is a constant."""

    min: float | None = Field(None, ge=0)
    max: float | None = Field(None, ge=0)
    constant: float | None = Field(None, ge=0)
    throughput: float | None = Field(None, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _number_is_constant(cls, data: Any) -> Any:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return {"constant": data}
        return data

    @model_validator(mode="after")
    def _one_form(self) -> ThinkTime:
        forms = [self.min is not None or self.max is not None, self.constant is not None]
        forms.append(self.throughput is not None)
        if sum(forms) != 1:
            raise ValueError("give exactly one of: min and max, constant, throughput")
        if forms[0] and (self.min is None or self.max is None):
            raise ValueError("min and max go together")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        return self


class Stage(_Strict):
    """A stretch of the run at `users` users, reached at `spawn_rate` users per second."""

    duration: str | float
    users: int = Field(ge=0)
    spawn_rate: float | None = Field(None, gt=0)

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: str | float) -> str | float:
        return _positive_duration(value)


class Endpoint(_Strict):
    """One kind of request and how often it is sent relative to the others."""

    name: str | None = None
    method: Method = "GET"
    path: str
    weight: int | float = Field(1, ge=0)
    vars: dict[str, str] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    body: Any = Field(None, alias="json")
    headers: dict[str, str] = Field(default_factory=dict)
    expect: list[int] | None = None

    @field_validator("method", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"{value!r} must start with '/'")
        if "?" in value:
            raise ValueError(f"{value!r} has a query string: put its parameters under params")
        payload.check(value)
        return value

    @field_validator("vars")
    @classmethod
    def _vars(cls, value: dict[str, str]) -> dict[str, str]:
        for name, template in value.items():
            if not payload.IDENTIFIER.match(name) or name in payload.GENERATORS:
                raise ValueError(
                    f"{name!r} cannot name a var (a name like product_id, not a generator)"
                )
            if payload.references(template):
                raise ValueError(f"var {name!r}: a var draws from generators, not from other vars")
        return value

    @field_validator("params", "body", "headers")
    @classmethod
    def _templates(cls, value: Any) -> Any:
        payload.check(value)
        return value

    @field_validator("expect")
    @classmethod
    def _statuses(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and (not value or not all(100 <= s <= 599 for s in value)):
            raise ValueError("expect lists HTTP status codes from 100 to 599")
        return value

    @model_validator(mode="after")
    def _known_vars(self) -> Endpoint:
        used = payload.references([self.path, self.params, self.body, self.headers])
        unknown = sorted(used - set(self.vars))
        if unknown:
            names = ", ".join(f"{{{n}}}" for n in unknown)
            raise ValueError(f"{self.method} {self.path}: {names} is not among its vars")
        return self

    @property
    def stats_name(self) -> str:
        """The request's name in Locust's statistics: the path template, or the given name."""
        return self.name or payload.display_name(self.path)


class TrafficProfile(_Strict):
    """A scenario's traffic: who sends what, how often, for how long."""

    description: str | None = None
    users: int = Field(10, ge=1)
    spawn_rate: float | None = Field(None, gt=0)
    duration: str | float | None = None
    think_time: ThinkTime = Field(default_factory=lambda: ThinkTime(constant=0))
    stages: list[Stage] = Field(default_factory=list)
    endpoints: list[Endpoint] = Field(min_length=1)

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: str | float | None) -> str | float | None:
        return None if value is None else _positive_duration(value)

    @model_validator(mode="after")
    def _sendable(self) -> TrafficProfile:
        if not any(e.weight > 0 for e in self.endpoints):
            raise ValueError("every endpoint has weight 0: nothing would be sent")
        seen: set[tuple[str, str]] = set()
        for endpoint in self.endpoints:
            key = (endpoint.method, endpoint.stats_name)
            if key in seen:
                raise ValueError(
                    f"two endpoints are named {' '.join(key)} in the statistics: give one a name"
                )
            seen.add(key)
        return self

    @property
    def duration_s(self) -> float:
        """How long the profile runs: its duration, else its stages' total, else 60 s."""
        if self.duration is not None:
            return parse_duration(self.duration)
        if self.stages:
            return sum(parse_duration(stage.duration) for stage in self.stages)
        return DEFAULT_DURATION_S

    @property
    def rate(self) -> float:
        """Users started per second (all of them within a second unless set)."""
        return self.spawn_rate or float(self.users)

    def stage_at(self, elapsed_s: float) -> tuple[int, float] | None:
        """The users and spawn rate `elapsed_s` into a staged run; None once it is over."""
        end = 0.0
        for stage in self.stages:
            end += parse_duration(stage.duration)
            if elapsed_s < end:
                fastest = max(1.0, *(float(s.users) for s in self.stages))  # any stage within 1 s
                return stage.users, stage.spawn_rate or self.spawn_rate or fastest
        return None


@dataclass(frozen=True)
class RenderedRequest:
    """One request drawn from an endpoint's templates."""

    method: str
    path: str
    name: str
    params: dict[str, Any]
    body: Any
    headers: dict[str, str]


def render_request(endpoint: Endpoint, rng: Random, seq: Iterator[int]) -> RenderedRequest:
    """Draw one request: the endpoint's vars first, then its path, params, json and headers."""
    values = {name: payload.render(t, rng, seq) for name, t in endpoint.vars.items()}
    return RenderedRequest(
        method=endpoint.method,
        path=str(payload.render(endpoint.path, rng, seq, values)),
        name=endpoint.stats_name,
        params=payload.render(endpoint.params, rng, seq, values),
        body=payload.render(endpoint.body, rng, seq, values),
        headers={k: str(v) for k, v in payload.render(endpoint.headers, rng, seq, values).items()},
    )


def sequence() -> Iterator[int]:
    """The counter `{seq}` draws from: 1, 2, 3, ..."""
    return itertools.count(1)


def parse_profile(data: Any, source: str = "profile") -> TrafficProfile:
    """Validate profile data; raise `ProfileError` naming every problem."""
    if not isinstance(data, dict):
        raise ProfileError(f"{source}: expected a mapping with endpoints at the top level")
    try:
        return TrafficProfile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(format_errors(source, exc)) from None


def load_profile(path: Path) -> TrafficProfile:
    """Read and validate a profile YAML file; raise `ProfileError` naming every problem."""
    data = read_yaml(path, ProfileError, "the profile")
    return parse_profile(data, str(path))


def dump_profile(profile: TrafficProfile) -> str:
    """The profile as YAML that `load_profile` reads back."""
    data = profile.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
