"""The scan step end to end (real bandit, detect-secrets, pip-audit and local servers), and how
it judges its scanners' outcomes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from actions.context import Event, RunContext
from actions.errors import Cancelled
from actions.result import Result, Severity, Status
from actions.scan import step
from actions.scan.config import ScanConfig
from actions.scan.outcome import Issue, ScannerOutcome, ScannerStatus
from actions.scan.step import ScanRequest
from tests.scan.conftest import CLEAN, PLANTED


def make_ctx(workdir: Path, events: list[Event] | None = None) -> RunContext:
    """A run context for a step alone: no settings or store (the step uses neither)."""
    handlers = [events.append] if events is not None else []
    return RunContext(
        settings=cast(Any, None),
        store=cast(Any, None),
        run_id="run-scan",
        workdir=workdir,
        handlers=handlers,
    )


def request(source: Path, url: str, advisory_url: str, **settings: Any) -> ScanRequest:
    config = ScanConfig(
        advisory_service="osv", advisory_url=advisory_url, request_timeout="5s", **settings
    )
    return ScanRequest(config=config, source_dir=source, urls={"shop": url}, base_dir=Path("/"))


@pytest.fixture(scope="module")
def planted_events() -> list[Event]:
    return []


@pytest.fixture(scope="module")
def planted(
    weak_url: str,
    osv: Any,
    planted_events: list[Event],
    tmp_path_factory: pytest.TempPathFactory,
) -> Result:
    ctx = make_ctx(tmp_path_factory.mktemp("work"), planted_events)
    return step.run(request(PLANTED, weak_url, osv.url), ctx=ctx)


def test_findings_at_or_above_fail_on_fail_the_step(planted: Result) -> None:
    assert planted.step == "scan"
    assert planted.status is Status.FAIL


def test_the_summary_counts_each_scanner_by_severity(planted: Result) -> None:
    assert planted.summary == (
        "bandit: 1 high, 2 medium, 2 low; detect-secrets: 2 high, 2 medium; "
        "endpoints: 2 high, 3 medium, 2 low; pip-audit: 1 high"
    )


def test_measurements_count_findings_overall_then_per_scanner(planted: Result) -> None:
    high = planted.measurement("findings_high")
    bandit_low = planted.measurement("findings_low", scanner="bandit")

    assert (high and high.value, high and high.tags) == (6, {})
    assert bandit_low is not None and bandit_low.value == 2
    assert planted.measurement("findings_total", scanner="pip-audit").value == 1  # type: ignore[union-attr]


def test_every_finding_has_a_severity_and_a_place(planted: Result) -> None:
    assert len(planted.findings) == 17
    for finding in planted.findings:
        assert finding.title.endswith(")"), finding.title  # `(file:line)` or `(URL)`
        assert finding.fingerprint


def test_data_gives_each_scanner_its_status_and_issues(planted: Result) -> None:
    scanners = planted.data["scanners"]

    assert list(scanners) == ["sast", "secrets", "endpoints", "dependencies"]
    assert {check: s["status"] for check, s in scanners.items()} == dict.fromkeys(scanners, "ok")
    assert scanners["dependencies"]["issues"][0]["message"].startswith("requests 2.19.0:")
    assert planted.data["fail_on"] == "high"


def test_the_tools_reports_and_logs_are_artifacts(planted: Result) -> None:
    names = {a.name for a in planted.artifacts}

    assert {"bandit report", "detect-secrets report", "pip-audit report"} <= names
    assert all(Path(a.path).is_file() for a in planted.artifacts)


def test_progress_names_each_scanner_and_what_it_found(planted_events: list[Event]) -> None:
    messages = [e.message for e in planted_events]

    assert "scan: bandit: 1 high, 2 medium, 2 low" in messages
    assert "scan: pip-audit: 1 high" in messages


def test_a_clean_release_passes(hardened_url: str, osv: Any, tmp_path: Path) -> None:
    result = step.run(request(CLEAN, hardened_url, osv.url), ctx=make_ctx(tmp_path))

    assert (result.status, result.findings) == (Status.PASS, [])
    assert result.summary == (
        "bandit: none; detect-secrets: none; endpoints: none; pip-audit: none"
    )


def test_an_unreachable_advisory_database_warns_and_says_so(
    hardened_url: str, closed_port: int, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{closed_port}/v1/query"

    result = step.run(request(CLEAN, hardened_url, url), ctx=make_ctx(tmp_path))

    assert result.status is Status.WARN
    assert "; pip-audit: skipped: no advisory database reachable (" in result.summary
    assert result.data["scanners"]["dependencies"]["status"] == "skipped"


def test_fail_on_sets_the_line_between_fail_and_warn(
    hardened_url: str, osv: Any, tmp_path: Path
) -> None:
    req = request(PLANTED, hardened_url, osv.url, checks=["sast"], fail_on="critical")

    result = step.run(req, ctx=make_ctx(tmp_path))

    assert result.status is Status.WARN


def test_a_missing_source_is_an_error_before_anything_runs(osv: Any, tmp_path: Path) -> None:
    req = request(tmp_path / "nowhere", "http://127.0.0.1:1", osv.url)

    result = step.run(req, ctx=make_ctx(tmp_path))

    assert result.status is Status.ERROR
    assert result.summary == f"scan source does not exist: {tmp_path / 'nowhere'}"


def test_a_cancelled_run_raises_cancelled(osv: Any, tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path)
    ctx.cancel_event.set()

    with pytest.raises(Cancelled):
        step.run(request(CLEAN, "http://127.0.0.1:1", osv.url), ctx=ctx)


def outcome(status: ScannerStatus, *severities: Severity) -> ScannerOutcome:
    issues = [Issue("tool", "rule", s, "message", f"file.py:{n}") for n, s in enumerate(severities)]
    return ScannerOutcome("check", "tool", status, issues, reason="why")


OK = ScannerStatus.OK


@pytest.mark.parametrize(
    ("outcomes", "status"),
    [
        ([outcome(OK)], Status.PASS),
        ([outcome(OK, Severity.INFO)], Status.PASS),
        ([outcome(OK, Severity.LOW, Severity.MEDIUM)], Status.WARN),
        ([outcome(OK, Severity.HIGH)], Status.FAIL),
        ([outcome(OK, Severity.CRITICAL)], Status.FAIL),
        ([outcome(OK), outcome(ScannerStatus.SKIPPED)], Status.WARN),
        ([outcome(OK), outcome(ScannerStatus.NOTHING)], Status.PASS),
        ([outcome(OK, Severity.HIGH), outcome(ScannerStatus.ERROR)], Status.ERROR),
    ],
)
def test_the_step_status_follows_the_worst_outcome(
    outcomes: list[ScannerOutcome], status: Status
) -> None:
    assert step.judge(outcomes, Severity.HIGH) is status


def test_a_scanner_that_could_not_run_is_named_with_its_reason_in_the_summary() -> None:
    outcomes = [
        outcome(OK, Severity.HIGH, Severity.HIGH, Severity.LOW),
        ScannerOutcome("sast", "bandit", ScannerStatus.ERROR, reason="bandit timed out after 300s"),
        ScannerOutcome("endpoints", "endpoints", ScannerStatus.NOTHING, reason="no service URL"),
    ]

    result = step.result(outcomes, Severity.HIGH, datetime.now(UTC), source=Path("/src"))

    assert result.summary == (
        "tool: 2 high, 1 low; bandit: error: bandit timed out after 300s; "
        "endpoints: nothing to scan: no service URL"
    )
