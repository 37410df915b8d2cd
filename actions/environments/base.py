"""The interface every environment kind implements, and the records it returns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, Field

Progress = Callable[[str], None]


class Release(BaseModel):
    """The candidate: an app and the version of each of its services."""

    app: str
    version: str
    services: dict[str, str] = Field(default_factory=dict)

    def version_of(self, service: str) -> str:
        return self.services.get(service, self.version)


class ServiceStatus(BaseModel):
    name: str
    version: str | None
    url: str | None
    healthy: bool
    detail: str = ""
    pid: int | None = None
    restarts: int = 0
    images: list[str] = Field(default_factory=list)
    replicas: int | None = None
    updated_replicas: int | None = None
    ready_replicas: int | None = None
    available_replicas: int | None = None
    age_s: float | None = None
    warnings: list[str] = Field(default_factory=list)


class EnvironmentStatus(BaseModel):
    name: str
    kind: str
    app: str | None = None
    version: str | None = None
    previous_version: str | None = None
    services: list[ServiceStatus] = Field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return bool(self.services) and all(s.healthy for s in self.services)


class LogLine(BaseModel):
    """One line of a service's log, with where it came from."""

    pod: str
    container: str
    timestamp: datetime | None
    text: str


class EventRecord(BaseModel):
    """Something the platform reported about an object (e.g. a Kubernetes event)."""

    type: str
    reason: str
    object: str
    message: str
    count: int = 1
    last_time: datetime | None = None


class DeployOutcome(BaseModel):
    ok: bool
    summary: str
    release: Release
    previous: Release | None = None
    urls: dict[str, str] = Field(default_factory=dict)
    details: list[str] = Field(default_factory=list)


class Environment(Protocol):
    """A named pre-production target. Implementations: `local.LocalEnvironment`."""

    name: str
    kind: str

    def deploy(self, release: Release, progress: Progress) -> DeployOutcome:
        """Deploy the release, wait until it is healthy or failed, and say which."""
        ...

    def rollback(self, progress: Progress) -> DeployOutcome:
        """Go back to the release deployed before the current one."""
        ...

    def status(self) -> EnvironmentStatus:
        """What is deployed now and whether each service is healthy."""
        ...

    def urls(self) -> dict[str, str]:
        """Base URL of each running service, by service name."""
        ...

    def logs(self, service: str, tail: int = 200) -> list[str]:
        """The last log lines of a service."""
        ...

    def teardown(self) -> None:
        """Stop everything this environment runs (no-op where it runs nothing itself)."""
        ...
