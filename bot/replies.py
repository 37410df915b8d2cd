"""What a command answers: an immediate Reply, or a Started background run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Caller:
    """Who asked, and where: a Slack user, a terminal user or a schedule."""

    user: str
    surface: str  # slack | cli | schedule
    groups: tuple[str, ...] = ()
    name: str = ""
    channel: str = ""
    role: str | None = None  # fixed role (a schedule keeps the role of who added it)


@dataclass(frozen=True)
class Reply:
    """An immediate answer. `kind` is info, error, denied or unavailable."""

    text: str
    kind: str = "info"
    title: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.kind == "info"


@dataclass(frozen=True)
class Started:
    """A run was queued as a background job."""

    run_id: int
    text: str
