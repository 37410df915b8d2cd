"""Approval of a readiness report: who may decide, the quorum, overrides of a no-go. Pure.

A quorum is a list of seats (e.g. "QA lead" and "release manager"); each seat needs an approval
from someone who may fill it, and one person fills one seat. The latest decision of each person
counts; any rejection stands until its author approves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from actions.report.promotion import PromotionConfig

SUBJECT = "report"
ROLE_ORDER = ("viewer", "engineer", "release-manager", "admin")
RoleName = Literal["viewer", "engineer", "release-manager", "admin"]


class Seat(BaseModel):
    """One place in the quorum and who may fill it: a role (or higher), people, or user groups."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    role: RoleName | None = None
    users: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _someone(self) -> Seat:
        if self.role is None and not self.users and not self.groups:
            raise ValueError(f"seat {self.name!r} needs a role, users or groups")
        return self

    def admits(self, user: str, role: str, groups: Iterable[str]) -> bool:
        """Whether this person may fill the seat."""
        if user in self.users or set(groups) & set(self.groups):
            return True
        return self.role is not None and _rank(role) >= _rank(self.role)

    def who(self) -> str:
        named = [f"the {self.role} role"] if self.role else []
        if self.users or self.groups:
            named.append("named people")
        return f"{self.name} ({' or '.join(named)})"


def _default_seats() -> list[Seat]:
    return [Seat(name="release manager", role="release-manager")]


class ApprovalConfig(BaseModel):
    """The `approval:` section: the quorum, who may override a no-go, the promotion hook."""

    model_config = ConfigDict(extra="forbid")

    seats: list[Seat] = Field(default_factory=_default_seats, min_length=1)
    override_role: RoleName = "release-manager"
    requester_may_approve: bool = True
    promote: PromotionConfig | None = None

    @model_validator(mode="after")
    def _unique_seats(self) -> ApprovalConfig:
        names = [s.name for s in self.seats]
        if len(set(names)) != len(names):
            raise ValueError(f"seat names must be unique: {names}")
        return self


def _rank(role: str) -> int:
    return ROLE_ORDER.index(role) if role in ROLE_ORDER else -1


def seats_for(config: ApprovalConfig, user: str, role: str, groups: Iterable[str]) -> list[str]:
    """The seats this person may fill, in the quorum's order."""
    group_list = list(groups)
    return [s.name for s in config.seats if s.admits(user, role, group_list)]


def may_override(config: ApprovalConfig, role: str) -> bool:
    return _rank(role) >= _rank(config.override_role)


@dataclass(frozen=True)
class Vote:
    """One recorded decision."""

    user: str  # who: a stable id
    decision: str  # approve | reject
    seats: tuple[str, ...]
    reason: str = ""
    override: str = ""
    name: str = ""  # how they are shown


@dataclass
class Tally:
    status: str  # pending | approved | rejected
    filled: dict[str, str] = field(default_factory=dict)  # seat -> user
    missing: list[str] = field(default_factory=list)
    rejections: list[Vote] = field(default_factory=list)
    overrides: list[Vote] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # user -> how they are shown

    def shown(self, user: str) -> str:
        """How a person who decided is shown."""
        return self.names.get(user) or user

    def text(self) -> str:
        """One line: where the decision stands."""
        if self.status == "rejected":
            who = "; ".join(
                f"{self.shown(v.user)}: {v.reason or 'no reason given'}" for v in self.rejections
            )
            return f"rejected ({who})"
        filled = ", ".join(f"{seat}: {self.shown(user)}" for seat, user in self.filled.items())
        if self.status == "approved":
            return f"approved ({filled})"
        have = f"{len(self.filled)} of {len(self.filled) + len(self.missing)}"
        return f"waiting for {', '.join(self.missing)} ({have} approvals)"


def latest_votes(votes: Sequence[Vote]) -> list[Vote]:
    """The latest decision of each person, in the order they last decided."""
    last: dict[str, Vote] = {}
    for vote in votes:
        last.pop(vote.user, None)
        last[vote.user] = vote
    return list(last.values())


def tally(seats: Sequence[str], votes: Sequence[Vote]) -> Tally:
    """Where the quorum stands: every seat filled by a different approver, or a rejection."""
    current = latest_votes(votes)
    rejections = [v for v in current if v.decision == "reject"]
    approvals = [v for v in current if v.decision == "approve"]
    filled = _match(seats, {v.user: v.seats for v in approvals})
    missing = [s for s in seats if s not in filled]
    overrides = [v for v in approvals if v.override]
    names = {v.user: v.name or v.user for v in current}
    if rejections:
        return Tally("rejected", filled, missing, rejections, overrides, names)
    return Tally("pending" if missing else "approved", filled, missing, [], overrides, names)


def _match(seats: Sequence[str], can_fill: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """A largest assignment of seats to distinct people (augmenting paths; quorums are small)."""
    holder: dict[str, str] = {}

    def place(user: str, tried: set[str]) -> bool:
        for seat in can_fill[user]:
            if seat not in seats or seat in tried:
                continue
            tried.add(seat)
            if seat not in holder or place(holder[seat], tried):
                holder[seat] = user
                return True
        return False

    for user in can_fill:
        place(user, set())
    return {seat: holder[seat] for seat in seats if seat in holder}
