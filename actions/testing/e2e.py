"""The e2e step: run the app's end-to-end suite against an environment, read its JUnit report.

Failed tests are run once more; one that passes then is flaky (a warning, not a failure). Each
failure's finding quotes its assertion and the services' log lines of the test's time window.
`select` chooses the tests: `all`, `smart` (riskiest first within a budget, see `selection`), or
a pytest `-k` expression. Selection, ordering and per-test timestamps come from preprod's pytest
plugin (`pytest_plugin/preprod_e2e.py`), loaded into the suite's pytest through `PYTEST_PLUGINS`;
a command that is not pytest runs whole, and is re-run only with `rerun_command`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from actions.config import E2EConfig
from actions.context import RunContext
from actions.durations import parse_duration
from actions.result import (
    Artifact,
    Finding,
    Measurement,
    Result,
    Severity,
    Status,
    fingerprint,
    utcnow,
)
from actions.testing import evidence, smart
from actions.testing.junit import JUnitReport, Outcome, TestCase
from actions.testing.process import harness_error
from actions.testing.rerun import rerun_failed
from actions.testing.selection import Selection
from actions.testing.suite import Attempt, Suite

STEP = "e2e"
DETAIL_LINES = evidence.DETAIL_LINES
EVIDENCE_CHARS = evidence.EVIDENCE_CHARS
PROGRESS_EVERY_S = 5.0

LogSource = Callable[[str], list[str]]
"""A service's recent log lines, e.g. `lambda s: env.logs(s, tail=500)`."""


class E2ERequest(BaseModel):
    """What the e2e step needs: the suite's config, where the services are, and the version."""

    model_config = ConfigDict(extra="forbid")

    config: E2EConfig
    urls: dict[str, str]
    version: str
    base_dir: Path
    select: str = "all"
    """`all`, `smart`, or a pytest `-k` expression such as `order and not malformed`."""
    budget_s: float | None = None
    """With `smart`: the seconds to spend (default: the config's `e2e.selection.budget`)."""
    app: str | None = None
    """Whose stored history `smart` reads."""
    baseline: str | None = None
    """The version the candidate's churn is measured against."""
    releases_dir: Path | None = None
    """The folder of `<version>/` release folders; their content diff is the churn."""


def url_variable(service: str) -> str:
    """The variable carrying a service's base URL, e.g. `cart-api` -> `PREPROD_URL_CART_API`."""
    return "PREPROD_URL_" + re.sub(r"[^A-Za-z0-9]", "_", service).upper()


def budget_seconds(budget: str | None) -> float | None:
    """A budget option (`2m`) in seconds, or None without one."""
    return parse_duration(budget) if budget else None


@dataclass
class _Notes:
    """What the step says beside the counts."""

    summary: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


def run(request: E2ERequest, *, ctx: RunContext, logs: LogSource | None = None) -> Result:
    """Run the e2e suite and turn its JUnit report into a Result; raise `Cancelled` if cancelled.

    `logs` gives a service's recent log lines, quoted in the evidence of each failure.
    """
    started = utcnow()
    ctx.check_cancelled()
    cwd = (request.base_dir / request.config.cwd).resolve()
    if not cwd.is_dir():
        return harness_error(STEP, started, f"e2e working directory does not exist: {cwd}")
    try:
        timeout_s = parse_duration(request.config.timeout)
    except ValueError as exc:
        return harness_error(STEP, started, f"e2e timeout is invalid: {exc}")
    mode = request.select.strip() or "all"
    notes = _Notes()
    churn = smart.release_churn(request.releases_dir, request.baseline, request.version)
    if churn is not None:
        notes.data["churn"] = churn
    chosen = _choose(request, ctx, churn) if mode == "smart" else None
    env = {url_variable(name): url for name, url in request.urls.items()}
    env["PREPROD_VERSION"] = request.version
    suite = Suite(STEP, ctx, cwd, ctx.step_dir(STEP), env, timeout_s, started, PROGRESS_EVERY_S)
    plan = smart.plan_for(mode, chosen)
    first = suite.run(request.config.command, plan=plan)
    if isinstance(first, Result):
        return first
    if plan and plan.get("keyword") and first.plugin is None and not first.report.cases:
        # pytest stops before collecting when it cannot read a -k expression
        summary = f"e2e --select {mode!r} was refused: {first.outcome.last_line()}"
        return harness_error(STEP, started, summary, first.outcome, first.artifacts)
    ran = [case.test_id for case in first.report.cases]
    described = smart.describe(mode, chosen, ran, applied=first.plugin is not None)
    if described is not None:
        notes.summary.append(described[0])
        notes.data["selection"] = described[1]
    report, artifacts = first.report, list(first.artifacts)
    if report.broken and request.config.rerun_failed:
        rerun = rerun_failed(suite, first, request.config.command, request.config.rerun_command)
        report, notes.data["rerun"] = rerun.report, rerun.data
        artifacts += rerun.artifacts
    return _result(report, first, started, artifacts, notes, _logs(report, request, logs))


def _choose(request: E2ERequest, ctx: RunContext, churn: dict[str, Any] | None) -> Selection:
    return smart.choose(
        ctx.store,
        request.app,
        before=int(ctx.run_id) if str(ctx.run_id).isdigit() else None,
        config=request.config.selection,
        changed=list(churn["changed"]) if churn else [],
        budget_s=request.budget_s,
    )


@dataclass
class _Logs:
    lines: dict[str, list[str]] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)


def _logs(report: JUnitReport, request: E2ERequest, source: LogSource | None) -> _Logs:
    """Each service's recent log lines, read once, when some test failed or was flaky."""
    found = _Logs()
    if source is None or not (report.broken or report.flaky):
        return found
    for service in sorted(request.urls):
        # Whatever an environment raises, the evidence says so and the step goes on.
        try:
            found.lines[service] = list(source(service))
        except Exception as exc:
            found.unavailable[service] = str(exc)[:200] or type(exc).__name__
    return found


def _result(
    report: JUnitReport,
    first: Attempt,
    started: datetime,
    artifacts: list[Artifact],
    notes: _Notes,
    logs: _Logs,
) -> Result:
    outcome = first.outcome
    windows = evidence.windows(report)
    findings = [_finding(c, windows.get(c.test_id), logs) for c in report.cases if c.broken]
    flaky = [
        _flaky_finding(c, windows.get(c.test_id), logs)
        for c in report.cases
        if c.outcome is Outcome.FLAKY
    ]
    if findings:
        status, summary = Status.FAIL, report.summary()
    elif report.executed == 0:
        status = Status.SKIPPED
        summary = (
            f"no e2e test ran ({report.total} skipped)"
            if report.total
            else "no e2e test ran: the suite collected no test"
        )
    elif outcome.exit_code and not first.report.broken:
        status = Status.WARN
        summary = f"{report.summary()}, but the command exited with code {outcome.exit_code}"
        findings.append(
            Finding(
                severity=Severity.MEDIUM,
                title=f"e2e command exited with code {outcome.exit_code} although no test failed",
                evidence=outcome.tail(),
            )
        )
    elif flaky:
        status, summary = Status.WARN, report.summary()
    else:
        status, summary = Status.PASS, report.summary()
    if notes.summary:
        summary = f"{summary}; {'; '.join(notes.summary)}"
    data: dict[str, Any] = {
        "tests": [_test_data(c) for c in report.cases],
        "exit_code": outcome.exit_code,
        **notes.data,
    }
    return Result(
        step=STEP,
        status=status,
        summary=summary,
        findings=findings + flaky,
        measurements=_measurements(report, notes),
        artifacts=artifacts,
        data=data,
        started_at=started,
        finished_at=utcnow(),
    )


def _measurements(report: JUnitReport, notes: _Notes) -> list[Measurement]:
    counts = {
        "tests_total": report.total,
        "tests_passed": report.passed,
        "tests_failed": report.failed + report.errors,
        "tests_skipped": report.skipped,
    }
    if report.flaky:
        counts["tests_flaky"] = report.flaky
    measurements = [Measurement(name=name, value=value) for name, value in counts.items()]
    if report.executed:
        # a flaky test passed in the end: it counts as a pass (its warning is the step's)
        rate = 100.0 * (report.passed + report.flaky) / report.executed
        measurements.append(Measurement(name="pass_rate_pct", value=round(rate, 2), unit="%"))
    measurements.append(Measurement(name="duration_s", value=round(report.time_s, 3), unit="s"))
    chosen = notes.data.get("selection", {})
    if chosen.get("mode") == "smart" and "skipped" in chosen:
        measurements.append(Measurement(name="tests_not_selected", value=len(chosen["skipped"])))
        measurements.append(Measurement(name="selection_risk_left", value=chosen["risk_left"]))
    return measurements


def _finding(case: TestCase, window: evidence.Window | None, logs: _Logs) -> Finding:
    return Finding(
        severity=Severity.HIGH,
        title=f"e2e test failed: {case.name}",
        evidence=evidence.evidence(case, window, logs.lines, logs.unavailable),
        fingerprint=fingerprint(STEP, case.test_id),
    )


def _flaky_finding(case: TestCase, window: evidence.Window | None, logs: _Logs) -> Finding:
    text = evidence.evidence(case, window, logs.lines, logs.unavailable)
    return Finding(
        severity=Severity.MEDIUM,
        title=f"e2e test is flaky: {case.name} failed, then passed when run again",
        evidence=text,
        fingerprint=fingerprint(STEP, "flaky", case.test_id),
    )


def _test_data(case: TestCase) -> dict[str, object]:
    data = case.to_dict()
    data["detail"] = "\n".join(case.detail.splitlines()[:40])  # the full text is in the artifact
    return data
