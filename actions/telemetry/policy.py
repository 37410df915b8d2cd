"""Automatic rollback policies: a metric past its threshold for long enough breaks the policy. Pure.

A policy names a metric (a recorder figure such as `p95_ms`, or an SLI name), the service (none:
each service, on its own), a criterion (`> 500`), how long the breach must last (`for`), the
window each reading covers (and the least traffic it needs), the environments it guards, and
whether it only alerts (`dry_run`). `PolicyState` is fed one reading at a time, with the time
passed in, and says when the policy fires: once per breach, after the breach has lasted `for`.
Readings that are missing (a scrape gap) neither start nor end a breach.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from actions.durations import parse_duration
from actions.report.criteria import parse_criterion


class RollbackPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    metric: str
    service: str | None = None
    breach: str  # a criterion that, when it holds, is a breach: e.g. "> 500" or ">= 5%"
    for_: str = Field("30s", alias="for")
    window: str = "10s"  # each reading is the metric over this much of the latest telemetry
    min_requests: int = Field(0, ge=0)  # a window with fewer requests is no reading (recorder)
    environments: list[str] = Field(default_factory=list)  # empty: every environment
    dry_run: bool = False

    @field_validator("breach")
    @classmethod
    def _criterion(cls, value: str) -> str:
        if parse_criterion(value).relative:
            raise ValueError("a rollback threshold is absolute (e.g. '> 500'), not relative")
        return value

    @field_validator("for_", "window")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    def guards(self, environment: str) -> bool:
        return not self.environments or environment in self.environments


@dataclass(frozen=True)
class Decision:
    breached: bool
    breached_for_s: float
    fire: bool
    reason: str = ""


@dataclass
class PolicyState:
    """The running state of one policy on one run."""

    policy: RollbackPolicy
    service: str | None = None  # the service read, when the policy names none
    since: float | None = None
    fired: bool = False

    def update(self, now: float, value: float | None) -> Decision:
        """Feed a reading; `fire` is True once, when the breach has lasted long enough."""
        if value is None:
            lasted = now - self.since if self.since is not None else 0.0
            return Decision(self.since is not None, lasted, False)
        criterion = parse_criterion(self.policy.breach)
        if not criterion.holds(value, None):
            self.since = None
            self.fired = False
            return Decision(False, 0.0, False)
        if self.since is None:
            self.since = now
        lasted = now - self.since
        due = lasted >= parse_duration(self.policy.for_) and not self.fired
        if due:
            self.fired = True
        service = self.policy.service or self.service
        where = f" of {service}" if service else ""
        reason = (
            f"policy {self.policy.name}: {self.policy.metric}{where} at {value:.4g} has been "
            f"{self.policy.breach} for {lasted:.0f}s (limit {self.policy.for_})"
        )
        return Decision(True, lasted, due, reason if due else "")
