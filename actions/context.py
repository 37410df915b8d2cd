"""What an action receives besides its arguments: settings, storage, progress, cancellation."""

from __future__ import annotations

import threading
from collections.abc import Callable
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

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def check_cancelled(self) -> None:
        """Raise `Cancelled` if someone cancelled the run."""
        if self.cancel_event.is_set():
            raise Cancelled(f"run {self.run_id} was cancelled")

    def step_dir(self, step: str) -> Path:
        path = self.workdir / step
        path.mkdir(parents=True, exist_ok=True)
        return path
