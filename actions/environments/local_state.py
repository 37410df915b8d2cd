"""What the local environment runs, kept in a JSON file so any preprod process can take over."""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from actions.environments.base import Release
from actions.errors import EnvironmentFailure


class ServiceRecord(BaseModel):
    """One running service process."""

    name: str
    version: str
    pid: int
    ticks: int | None = None
    port: int
    url: str
    health_url: str
    log: str
    started_at: datetime
    # how to start it again (a chaos shutdown's undo): the command, its folder, its own variables
    command: list[str] = Field(default_factory=list)
    cwd: str | None = None
    env: dict[str, str] = Field(default_factory=dict)
    # the fault sidecar in front of it, in chaos-enabled environments
    direct_url: str | None = None
    control_url: str | None = None
    sidecar_pid: int | None = None
    sidecar_ticks: int | None = None


class LocalState(BaseModel):
    """The release running now, the one before it, and processes of an unfinished deploy."""

    current: Release | None = None
    previous: Release | None = None
    services: dict[str, ServiceRecord] = Field(default_factory=dict)
    pending: list[ServiceRecord] = Field(default_factory=list)
    chaos_token: str | None = None  # the sidecars' control token


def load_state(path: Path) -> LocalState:
    """The state in `path`, or an empty one if there is no file yet."""
    try:
        return LocalState.model_validate_json(path.read_text())
    except FileNotFoundError:
        return LocalState()
    except (ValidationError, ValueError) as error:
        raise EnvironmentFailure(
            f"the local environment's state file {path} is unreadable ({error.__class__.__name__});"
            " stop its processes by hand and delete it"
        ) from error


def save_state(path: Path, state: LocalState) -> None:
    """Write the state atomically: a temporary file, then a rename over the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state.model_dump(mode="json"), indent=2))
    os.replace(tmp, path)


@contextmanager
def locked(path: Path, timeout: float, what: str) -> Iterator[None]:
    """Hold an exclusive lock on `path`, waiting at most `timeout` seconds for it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise EnvironmentFailure(f"{what} is busy with another deploy") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
