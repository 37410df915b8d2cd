"""The settings-level chaos policy (`chaos:` in preprod.yaml): where, how long, how hard.

This module imports nothing from `actions.config`, so the config can embed `ChaosPolicy` without a
cycle. The policy only narrows: an environment must also say `chaos_allowed: true`, and a
`protected` environment is never a target whatever the policy lists (see `guards.py`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from actions.durations import parse_duration

Role = Literal["viewer", "engineer", "release-manager", "admin"]


class ChaosPolicy(BaseModel):
    """Limits every experiment runs under, whatever the experiment itself declares."""

    model_config = ConfigDict(extra="forbid")

    allowed_environments: list[str] = Field(default_factory=list)  # empty: chaos nowhere
    max_duration: str = "10m"  # the whole method: faults and pauses
    max_blast_radius: float = Field(0.5, gt=0, le=1)  # share of one service's instances
    max_services: int = Field(3, ge=1)  # distinct services one experiment may touch
    approval_role: Role = "release-manager"  # who approves a destructive experiment
    approval_timeout: str = "15m"  # how long a destructive experiment waits for its approval
    experiments_dir: str = "chaos"  # relative to the config's folder
    ready: list[str] = Field(default_factory=list)  # experiments the `chaos` step of `ready` runs

    @field_validator("max_duration", "approval_timeout")
    @classmethod
    def _duration(cls, value: str) -> str:
        if parse_duration(value) <= 0:
            raise ValueError(f"{value!r} must be longer than zero")
        return value

    @property
    def max_duration_s(self) -> float:
        return parse_duration(self.max_duration)

    @property
    def approval_timeout_s(self) -> float:
        return parse_duration(self.approval_timeout)
