"""One run of an e2e suite's command: its placeholders, preprod's pytest plugin, its JUnit report.

The plugin (`pytest_plugin/preprod_e2e.py`) is loaded into the suite's own pytest through
`PYTEST_PLUGINS`, its folder added to `PYTHONPATH`; it orders and narrows the tests by a plan
file and stamps each test's start and stop. A command that is not pytest ignores both, and the
plugin's report file stays absent: that is how a run knows it cannot be narrowed.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from actions.context import RunContext
from actions.result import Artifact, Result
from actions.testing.junit import JUnitError, JUnitReport, parse_junit
from actions.testing.process import ProcessOutcome, harness_error, run_process

PLUGIN_DIR = Path(__file__).resolve().parent / "pytest_plugin"
PLUGIN = "preprod_e2e"
PLAN_VARIABLE, OUT_VARIABLE = "PYTEST_PREPROD_PLAN", "PYTEST_PREPROD_OUT"


@dataclass
class Attempt:
    """One run of the command and what it left."""

    outcome: ProcessOutcome
    report: JUnitReport
    plugin: dict[str, Any] | None
    """What preprod's pytest plugin reported, or None when it did not run (not pytest)."""
    artifacts: list[Artifact] = field(default_factory=list)


@dataclass
class Suite:
    """How to run a suite's command; `run` runs it once."""

    step: str
    ctx: RunContext
    cwd: Path
    step_dir: Path
    env: dict[str, str]
    """The service URLs and the version, for every run."""
    timeout_s: float
    started: datetime
    tick_s: float

    def run(
        self, command: Sequence[str], *, plan: dict[str, Any] | None = None, label: str = ""
    ) -> Attempt | Result:
        """Run `command` once with the plugin's `plan`; a harness failure as an ERROR Result."""
        step, started = self.step, self.started
        suffix = f"-{label}" if label else ""
        junit_path = self.step_dir / f"junit{suffix}.xml"
        plugin_out = self.step_dir / f"selected{suffix}.json"
        for stale in (junit_path, plugin_out):
            stale.unlink(missing_ok=True)  # never read a previous run's files
        placeholders = {"{python}": sys.executable, "{junit}": str(junit_path)}
        argv = [fill(arg, placeholders) for arg in command]
        env = {**self.env, **self._plugin_env(plugin_out, plan, suffix)}
        shown = {"{python}": "python", "{junit}": junit_path.name}
        words = " ".join(fill(arg, shown) for arg in command)
        self.ctx.progress(f"{step}: running {words}", command=argv)
        outcome = run_process(
            argv,
            cwd=self.cwd,
            log_path=self.step_dir / f"output{suffix}.log",
            timeout_s=self.timeout_s,
            cancel_event=self.ctx.cancel_event,
            extra_env=env,
            on_tick=lambda s: self.ctx.progress(
                f"{step}: running for {s:.0f}s", elapsed_s=round(s, 1)
            ),
            tick_s=self.tick_s,
        )
        self.ctx.check_cancelled()
        log = Artifact(name=f"{step} output{suffix}", path=str(outcome.log_path), kind="log")
        if outcome.launch_error:
            return harness_error(step, started, f"{step} could not start: {outcome.launch_error}")
        if outcome.timed_out:
            summary = f"{step} timed out after {self.timeout_s:g}s"
            return harness_error(step, started, summary, outcome, [log])
        if not junit_path.is_file():
            return harness_error(
                step,
                started,
                f"{step} command exited with code {outcome.exit_code} and wrote no JUnit report "
                f"(pass {{junit}} to it, e.g. --junitxml={{junit}}): {outcome.last_line()}",
                outcome,
                [log],
            )
        try:
            report = parse_junit(junit_path.read_bytes())
        except JUnitError as exc:
            summary = f"{step} report could not be read: {exc}"
            return harness_error(step, started, summary, outcome, [log])
        junit = Artifact(name=f"{step} JUnit report{suffix}", path=str(junit_path), kind="junit")
        return Attempt(outcome, report, _read_json(plugin_out), [junit, log])

    def _plugin_env(self, out: Path, plan: dict[str, Any] | None, suffix: str) -> dict[str, str]:
        """The variables that load preprod's pytest plugin into the suite's pytest."""
        # The suite may set its own plugins and path: ours are added, not substituted.
        path = os.pathsep.join(p for p in (str(PLUGIN_DIR), os.environ.get("PYTHONPATH")) if p)
        plugins = ",".join(p for p in (os.environ.get("PYTEST_PLUGINS"), PLUGIN) if p)
        env = {"PYTHONPATH": path, "PYTEST_PLUGINS": plugins, OUT_VARIABLE: str(out)}
        if plan is not None:
            plan_path = self.step_dir / f"plan{suffix}.json"
            plan_path.write_text(json.dumps(plan, indent=1), encoding="utf-8")
            env[PLAN_VARIABLE] = str(plan_path)
        return env


def fill(arg: str, placeholders: dict[str, str]) -> str:
    for key, value in placeholders.items():
        arg = arg.replace(key, value)
    return arg


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
