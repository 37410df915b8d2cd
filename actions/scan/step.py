"""The scan step: bandit, detect-secrets, the endpoint checks and pip-audit, as one Result.

Status, worst first:
- error: a scanner could not run (tool missing, timed out, unreadable report, service down);
- fail: a finding at or above `fail_on`;
- warn: a finding below it (info findings aside), or a scanner that could not check what exists
  (`pip-audit: skipped: no advisory database reachable`): a scan never passes silently;
- pass: none of these. A scanner with nothing to scan (no requirement file, no URL) is named
  in the summary and does not warn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from actions.context import RunContext
from actions.result import Measurement, Result, Severity, Status, utcnow
from actions.scan import dependencies, probe, sast, secrets
from actions.scan.config import Check, ScanConfig
from actions.scan.outcome import ScannerOutcome, ScannerStatus
from actions.scan.tool import Tools
from actions.testing.process import harness_error

STEP = "scan"
SourceScanner = Callable[[Path, ScanConfig, Tools], ScannerOutcome]
SOURCE_SCANNERS: dict[Check, tuple[str, SourceScanner]] = {
    "sast": (sast.TOOL, sast.scan),
    "secrets": (secrets.TOOL, secrets.scan),
    "dependencies": (dependencies.TOOL, dependencies.scan),
}


class ScanRequest(BaseModel):
    """What the scan needs: its config, the release source, and where the services answer."""

    model_config = ConfigDict(extra="forbid")

    config: ScanConfig
    source_dir: Path
    """The release source, `config.source` resolved (see `config.resolve_source`)."""
    urls: dict[str, str] = Field(default_factory=dict)
    """Service -> base URL of the deployed release."""
    base_dir: Path
    """The config file's folder: `ca_file` is relative to it."""


def run(request: ScanRequest, *, ctx: RunContext) -> Result:
    """Run the configured scanners and judge their findings; raise `Cancelled` if cancelled."""
    started = utcnow()
    ctx.check_cancelled()
    config = request.config
    problem = _invalid(request)
    if problem:
        return harness_error(STEP, started, problem)
    source = request.source_dir.resolve()
    step_dir = ctx.step_dir(STEP)
    tools = Tools(
        workdir=step_dir,
        timeout_s=config.timeout_s,
        cancel_event=ctx.cancel_event,
        progress=ctx.progress,
    )
    outcomes: list[ScannerOutcome] = []
    for check in config.checks:
        if check == "endpoints":
            outcome = probe.scan(
                request.urls,
                config,
                base_dir=request.base_dir,
                cancel_event=ctx.cancel_event,
                progress=ctx.progress,
            )
        else:
            tool, scanner = SOURCE_SCANNERS[check]
            ctx.progress(f"scan: {tool} on {source}")
            outcome = scanner(source, config, tools)
        ctx.check_cancelled()
        ctx.progress(f"scan: {outcome.describe()}", check=check, status=outcome.status.value)
        outcomes.append(outcome)
    return result(outcomes, config.fail_on, started, source=source)


def result(
    outcomes: list[ScannerOutcome], fail_on: Severity, started: datetime, *, source: Path
) -> Result:
    """The step's Result from its scanners' outcomes."""
    issues = [issue for o in outcomes for issue in o.issues]
    return Result(
        step=STEP,
        status=judge(outcomes, fail_on),
        summary=summary(outcomes),
        findings=[issue.finding() for issue in issues],
        measurements=measurements(outcomes),
        artifacts=[a for o in outcomes for a in o.artifacts],
        data={
            "fail_on": fail_on.value,
            "source": str(source),
            "scanners": {
                o.check: {
                    "tool": o.tool,
                    "status": o.status.value,
                    "reason": o.reason,
                    "counts": {s.value: n for s, n in o.counts().items()},
                    "issues": [issue.to_dict() for issue in o.issues],
                }
                for o in outcomes
            },
        },
        started_at=started,
        finished_at=utcnow(),
    )


def judge(outcomes: list[ScannerOutcome], fail_on: Severity) -> Status:
    """The step's status (see the module's docstring)."""
    statuses = {o.status for o in outcomes}
    ranks = [issue.severity.rank for o in outcomes for issue in o.issues]
    if ScannerStatus.ERROR in statuses:
        return Status.ERROR
    if any(rank >= fail_on.rank for rank in ranks):
        return Status.FAIL
    if any(rank >= Severity.LOW.rank for rank in ranks) or ScannerStatus.SKIPPED in statuses:
        return Status.WARN
    return Status.PASS


def summary(outcomes: list[ScannerOutcome]) -> str:
    """`bandit: 2 high, 1 medium; detect-secrets: 1 high; ...; pip-audit: skipped: ...`."""
    return "; ".join(o.describe() for o in outcomes)


def measurements(outcomes: list[ScannerOutcome]) -> list[Measurement]:
    """Finding counts by severity: over all scanners first, then per scanner (tag `scanner`)."""
    total: Counter[Severity] = Counter()
    for o in outcomes:
        total.update(o.counts())
    found = _counts(total, {})
    for o in outcomes:
        if o.status is not ScannerStatus.NOTHING:
            found += _counts(o.counts(), {"scanner": o.tool})
    return found


def _counts(counts: Counter[Severity], tags: dict[str, str]) -> list[Measurement]:
    ordered = sorted(Severity, key=lambda s: s.rank, reverse=True)
    found = [Measurement(name=f"findings_{s.value}", value=counts[s], tags=tags) for s in ordered]
    found.append(Measurement(name="findings_total", value=sum(counts.values()), tags=tags))
    return found


def _invalid(request: ScanRequest) -> str | None:
    """What makes the request impossible to run, before anything starts."""
    config = request.config
    needs_source = [c for c in config.checks if c in SOURCE_SCANNERS]
    if needs_source and not request.source_dir.is_dir():
        return f"scan source does not exist: {request.source_dir}"
    if config.ca_file and not (request.base_dir / config.ca_file).is_file():
        return f"scan.ca_file does not exist: {request.base_dir / config.ca_file}"
    return None
