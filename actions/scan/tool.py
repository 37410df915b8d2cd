"""Run one scanner tool as a subprocess of our own interpreter, with a timeout and cancellation.

The tools are dependencies of preprod, run as `python -m <module>` so that the ones installed
beside the bot are used. A tool that prints its report on stdout has it written to a file by a
small launcher, so that its warnings on stderr (which go to the log) cannot corrupt the report.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from actions.result import Artifact
from actions.testing.process import ProcessOutcome, run_process

PROGRESS_EVERY_S = 10.0

# argv: report path, then the command; the command's exit code is the launcher's.
_STDOUT_TO_FILE = (
    "import subprocess, sys\n"
    "with open(sys.argv[1], 'wb') as out:\n"
    "    sys.exit(subprocess.call(sys.argv[2:], stdout=out))\n"
)


@dataclass(frozen=True)
class Tools:
    """Where and how long scanner tools run."""

    workdir: Path
    timeout_s: float
    cancel_event: threading.Event = field(default_factory=threading.Event)
    progress: Callable[[str], None] = lambda message: None
    python: str = sys.executable


@dataclass(frozen=True)
class ToolRun:
    """How a tool run ended; `error` says why it produced nothing usable, if so."""

    tool: str
    report: Path
    outcome: ProcessOutcome
    error: str | None = None

    @property
    def artifacts(self) -> list[Artifact]:
        found = [Artifact(name=f"{self.tool} log", path=str(self.outcome.log_path), kind="log")]
        if self.report.is_file():
            found.append(Artifact(name=f"{self.tool} report", path=str(self.report), kind="json"))
        return found

    def missing_report(self) -> str:
        """Why there is no report, in the tool's own last words."""
        last = self.outcome.last_line() or "no output"
        return f"{self.tool} exited with code {self.outcome.exit_code} and wrote no report: {last}"


def run_tool(
    tools: Tools,
    tool: str,
    module_args: Sequence[str],
    *,
    cwd: Path,
    report: Path,
    stdout_is_report: bool = False,
) -> ToolRun:
    """Run `python -m <module_args>` in `cwd`; its report is expected at `report`."""
    tools.workdir.mkdir(parents=True, exist_ok=True)
    report.unlink(missing_ok=True)  # never read a previous run's report
    argv = [tools.python, "-m", *module_args]
    if stdout_is_report:
        argv = [tools.python, "-c", _STDOUT_TO_FILE, str(report), *argv]
    outcome = run_process(
        argv,
        cwd=cwd,
        log_path=tools.workdir / f"{tool}.log",
        timeout_s=tools.timeout_s,
        cancel_event=tools.cancel_event,
        on_tick=lambda s: tools.progress(f"scan: {tool} running for {s:.0f}s"),
        tick_s=PROGRESS_EVERY_S,
    )
    error = None
    if outcome.launch_error:
        error = f"{tool} could not start: {outcome.launch_error}"
    elif outcome.timed_out:
        error = f"{tool} timed out after {tools.timeout_s:g}s"
    elif outcome.cancelled:
        error = f"{tool} was cancelled"
    return ToolRun(tool=tool, report=report, outcome=outcome, error=error)
