"""The e2e step: run the app's end-to-end suite against an environment, read its JUnit report."""

from __future__ import annotations

import re
import sys
from datetime import datetime
from pathlib import Path

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
from actions.testing.junit import JUnitError, JUnitReport, Outcome, TestCase, parse_junit
from actions.testing.process import ProcessOutcome, harness_error, run_process

STEP = "e2e"
DETAIL_LINES = 15
"""Lines of a failure's detail quoted in its finding."""
EVIDENCE_CHARS = 4000
PROGRESS_EVERY_S = 5.0


class E2ERequest(BaseModel):
    """What the e2e step needs: the suite's config, where the services are, and the version."""

    model_config = ConfigDict(extra="forbid")

    config: E2EConfig
    urls: dict[str, str]
    version: str
    base_dir: Path


def url_variable(service: str) -> str:
    """The variable carrying a service's base URL, e.g. `cart-api` -> `PREPROD_URL_CART_API`."""
    return "PREPROD_URL_" + re.sub(r"[^A-Za-z0-9]", "_", service).upper()


def run(request: E2ERequest, *, ctx: RunContext) -> Result:
    """Run the e2e suite and turn its JUnit report into a Result; raise `Cancelled` if cancelled."""
    started = utcnow()
    ctx.check_cancelled()
    cwd = (request.base_dir / request.config.cwd).resolve()
    if not cwd.is_dir():
        return harness_error(STEP, started, f"e2e working directory does not exist: {cwd}")
    try:
        timeout_s = parse_duration(request.config.timeout)
    except ValueError as exc:
        return harness_error(STEP, started, f"e2e timeout is invalid: {exc}")
    step_dir = ctx.step_dir(STEP)
    junit_path = step_dir / "junit.xml"
    junit_path.unlink(missing_ok=True)  # never read a previous run's report
    placeholders = {"{python}": sys.executable, "{junit}": str(junit_path)}
    argv = [_fill(arg, placeholders) for arg in request.config.command]
    env = {url_variable(name): url for name, url in request.urls.items()}
    env["PREPROD_VERSION"] = request.version

    shown = {"{python}": "python", "{junit}": junit_path.name}
    words = (_fill(arg, shown) for arg in request.config.command)
    ctx.progress(f"e2e: running {' '.join(words)}", command=argv)
    outcome = run_process(
        argv,
        cwd=cwd,
        log_path=step_dir / "output.log",
        timeout_s=timeout_s,
        cancel_event=ctx.cancel_event,
        extra_env=env,
        on_tick=lambda s: ctx.progress(f"e2e: running for {s:.0f}s", elapsed_s=round(s, 1)),
        tick_s=PROGRESS_EVERY_S,
    )
    ctx.check_cancelled()
    log = Artifact(name="e2e output", path=str(outcome.log_path), kind="log")
    if outcome.launch_error:
        return harness_error(STEP, started, f"e2e could not start: {outcome.launch_error}")
    if outcome.timed_out:
        return harness_error(STEP, started, f"e2e timed out after {timeout_s:g}s", outcome, [log])
    if not junit_path.is_file():
        return harness_error(
            STEP,
            started,
            f"e2e command exited with code {outcome.exit_code} and wrote no JUnit report "
            f"(pass {{junit}} to it, e.g. --junitxml={{junit}}): {outcome.last_line()}",
            outcome,
            [log],
        )
    try:
        report = parse_junit(junit_path.read_bytes())
    except JUnitError as exc:
        return harness_error(STEP, started, f"e2e report could not be read: {exc}", outcome, [log])
    artifacts = [Artifact(name="e2e JUnit report", path=str(junit_path), kind="junit"), log]
    return _from_report(report, outcome, started, artifacts)


def _from_report(
    report: JUnitReport, outcome: ProcessOutcome, started: datetime, artifacts: list[Artifact]
) -> Result:
    broken = [c for c in report.cases if c.outcome in (Outcome.FAILED, Outcome.ERROR)]
    findings = [_finding(case) for case in broken]
    if broken:
        status, summary = Status.FAIL, report.summary()
    elif report.executed == 0:
        status = Status.SKIPPED
        summary = (
            f"no e2e test ran ({report.total} skipped)"
            if report.total
            else "no e2e test ran: the suite collected no test"
        )
    elif outcome.exit_code:
        status = Status.WARN
        summary = f"{report.summary()}, but the command exited with code {outcome.exit_code}"
        findings.append(
            Finding(
                severity=Severity.MEDIUM,
                title=f"e2e command exited with code {outcome.exit_code} although no test failed",
                evidence=outcome.tail(),
            )
        )
    else:
        status, summary = Status.PASS, report.summary()
    return Result(
        step=STEP,
        status=status,
        summary=summary,
        findings=findings,
        measurements=_measurements(report),
        artifacts=artifacts,
        data={"tests": [_test_data(c) for c in report.cases], "exit_code": outcome.exit_code},
        started_at=started,
        finished_at=utcnow(),
    )


def _measurements(report: JUnitReport) -> list[Measurement]:
    counts = {
        "tests_total": report.total,
        "tests_passed": report.passed,
        "tests_failed": report.failed + report.errors,
        "tests_skipped": report.skipped,
    }
    measurements = [Measurement(name=name, value=value) for name, value in counts.items()]
    if report.executed:
        rate = 100.0 * report.passed / report.executed
        measurements.append(Measurement(name="pass_rate_pct", value=round(rate, 2), unit="%"))
    measurements.append(Measurement(name="duration_s", value=round(report.time_s, 3), unit="s"))
    return measurements


def _finding(case: TestCase) -> Finding:
    detail = "\n".join(case.detail.splitlines()[:DETAIL_LINES])
    # Without a message attribute, the message is the detail's first line: don't say it twice.
    evidence = detail if detail.startswith(case.message) else f"{case.message}\n{detail}"
    return Finding(
        severity=Severity.HIGH,
        title=f"e2e test failed: {case.name}",
        evidence=evidence.strip()[:EVIDENCE_CHARS],
        fingerprint=fingerprint(STEP, case.test_id),
    )


def _test_data(case: TestCase) -> dict[str, object]:
    data = case.to_dict()
    data["detail"] = "\n".join(case.detail.splitlines()[:40])  # the full text is in the artifact
    return data


def _fill(arg: str, placeholders: dict[str, str]) -> str:
    for key, value in placeholders.items():
        arg = arg.replace(key, value)
    return arg
