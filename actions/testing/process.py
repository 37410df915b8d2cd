"""Run a harness (a test suite, Locust) as a subprocess with a timeout, cancellation and a tick.

The child runs in its own process group so that a timeout or a cancellation stops it and
everything it started. Its stdout and stderr go to one log file, so no pipe can fill up.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from actions.result import Artifact, Finding, Result, Severity, Status, utcnow

# Inherited variables the harness must not see: the bot's own credentials, and stale
# `PREPROD_*` values (the step passes the current run's values explicitly).
_WITHHELD_PREFIXES = ("PREPROD_", "SLACK_")


@dataclass(frozen=True)
class ProcessOutcome:
    """How a harness process ended."""

    log_path: Path
    elapsed_s: float = 0.0
    exit_code: int | None = None
    timed_out: bool = False
    cancelled: bool = False
    launch_error: str | None = None

    def tail(self, lines: int = 20) -> str:
        """The last `lines` non-empty lines the process printed."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(max(0, log.seek(0, os.SEEK_END) - 64_000))
                text = log.read().decode("utf-8", errors="replace")
        except OSError:
            return ""
        kept = [line.rstrip() for line in text.splitlines() if line.strip()]
        return "\n".join(kept[-lines:])

    def last_line(self) -> str:
        return self.tail(1)


def child_env(extra: Mapping[str, str]) -> dict[str, str]:
    """The harness environment: ours (for PATH, HOME, ...) without withheld names, plus `extra`."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(_WITHHELD_PREFIXES)}
    return {**inherited, **extra}


def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    log_path: Path,
    timeout_s: float,
    cancel_event: threading.Event,
    extra_env: Mapping[str, str] | None = None,
    on_tick: Callable[[float], None] | None = None,
    tick_s: float = 3.0,
    poll_s: float = 0.1,
    grace_s: float = 2.0,
) -> ProcessOutcome:
    """Run `argv` to completion, timeout or cancellation; call `on_tick(elapsed)` every `tick_s`.

    Never raises for the child's own failures: a launch failure, a timeout or a cancellation
    is reported in the outcome (the caller turns a cancellation into `Cancelled`).
    """
    start = time.monotonic()
    with log_path.open("wb") as log:
        try:
            proc = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=child_env(extra_env or {}),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except FileNotFoundError:
            return ProcessOutcome(log_path, launch_error=f"command not found: {argv[0]}")
        except PermissionError:
            return ProcessOutcome(log_path, launch_error=f"command is not executable: {argv[0]}")
        except OSError as exc:
            return ProcessOutcome(log_path, launch_error=f"could not start {argv[0]}: {exc}")
        try:
            return _supervise(
                proc, start, log_path, timeout_s, cancel_event, on_tick, tick_s, poll_s
            )
        finally:
            _stop_group(proc, grace_s)


def _supervise(
    proc: subprocess.Popen[bytes],
    start: float,
    log_path: Path,
    timeout_s: float,
    cancel_event: threading.Event,
    on_tick: Callable[[float], None] | None,
    tick_s: float,
    poll_s: float,
) -> ProcessOutcome:
    next_tick = start + tick_s
    while True:
        # Waiting on the event, not sleeping, so a cancellation is seen at once.
        cancelled = cancel_event.wait(poll_s)
        code = proc.poll()
        elapsed = time.monotonic() - start
        if code is not None:
            return ProcessOutcome(log_path, elapsed_s=elapsed, exit_code=code)
        if cancelled:
            return ProcessOutcome(log_path, elapsed_s=elapsed, cancelled=True)
        if elapsed > timeout_s:
            return ProcessOutcome(log_path, elapsed_s=elapsed, timed_out=True)
        if on_tick is not None and start + elapsed >= next_tick:
            on_tick(elapsed)
            next_tick = time.monotonic() + tick_s


def _stop_group(proc: subprocess.Popen[bytes], grace_s: float) -> None:
    """Stop the child's whole process group: SIGTERM, then SIGKILL after `grace_s`.

    Also runs after a normal exit, so nothing the harness left behind keeps running.
    """
    if proc.poll() is None:
        _signal_group(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace_s)
    _signal_group(proc.pid, signal.SIGKILL)
    proc.wait()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def harness_error(
    step: str,
    started: datetime,
    summary: str,
    outcome: ProcessOutcome | None = None,
    artifacts: list[Artifact] | None = None,
) -> Result:
    """An ERROR result for a harness that could not run, quoting the end of its output."""
    tail = outcome.tail() if outcome is not None else ""
    findings = [Finding(severity=Severity.MEDIUM, title=f"{step} harness failed", evidence=tail)]
    return Result(
        step=step,
        status=Status.ERROR,
        summary=summary,
        findings=findings if tail else [],
        artifacts=artifacts or [],
        started_at=started,
        finished_at=utcnow(),
    )
