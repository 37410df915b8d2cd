"""What an action receives besides its arguments: settings, storage, progress, cancellation."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actions.errors import Cancelled
from actions.insight.redact import redact

if TYPE_CHECKING:
    from actions.config import Settings
    from storage.store import Store


@dataclass(frozen=True)
class Event:
    """Something that happened during a run: progress, a step started or finished, a warning."""

    kind: str
    run_id: str
    message: str
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


EventHandler = Callable[[Event], None]


@dataclass
class RunContext:
    """Carried through every action of a run. Actions report progress here, never to a surface."""

    settings: Settings
    store: Store
    run_id: str
    workdir: Path
    handlers: list[EventHandler] = field(default_factory=list)
    cancel_event: threading.Event = field(default_factory=threading.Event)
    step: str | None = None
    abort_reason: str | None = None  # set when the run itself stopped its steps (a policy)
    idle: threading.Event = field(default_factory=lambda: _set(threading.Event()))
    """Set while no step is acting on the environment (cleared by the plan around each step)."""

    def emit(self, kind: str, message: str, **data: Any) -> None:
        message = redact(message)
        event = Event(kind=kind, run_id=self.run_id, message=message, step=self.step, data=data)
        for handler in list(self.handlers):
            handler(event)

    def progress(self, message: str, **data: Any) -> None:
        """Report progress of the current step."""
        self.emit("progress", message, **data)

    def warn(self, message: str, **data: Any) -> None:
        self.emit("warning", message, **data)

    def abort(self, reason: str) -> None:
        """Stop the current step and the rest of the plan for `reason` (not a user's cancel)."""
        self.abort_reason = self.abort_reason or reason
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        """Someone cancelled the run (an abort is not a cancel)."""
        return self.cancel_event.is_set() and self.abort_reason is None

    def check_cancelled(self) -> None:
        """Raise `Cancelled` if someone cancelled the run."""
        if self.cancel_event.is_set():
            raise Cancelled(self.abort_reason or f"run {self.run_id} was cancelled")

    def acting(self) -> AbstractContextManager[None]:
        """Marks a step acting on the environment; an abort waits for it to stop."""
        return _acting(self.idle)

    def step_dir(self, step: str) -> Path:
        path = self.workdir / step
        path.mkdir(parents=True, exist_ok=True)
        return path


def _set(event: threading.Event) -> threading.Event:
    event.set()
    return event


@contextmanager
def _acting(idle: threading.Event) -> Iterator[None]:
    idle.clear()
    try:
        yield
    finally:
        idle.set()
