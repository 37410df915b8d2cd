"""SAST: real bandit over a planted tree finds each planted weakness; its report is read right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from actions.result import Severity
from actions.scan import sast
from actions.scan.config import ScanConfig
from actions.scan.outcome import Issue, ReportError, ScannerOutcome, ScannerStatus
from actions.scan.tool import Tools
from tests.scan.conftest import CLEAN, PLANTED


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> ScannerOutcome:
    tools = Tools(workdir=tmp_path_factory.mktemp("bandit"), timeout_s=60)
    return sast.scan(PLANTED, ScanConfig(), tools)


def by_rule(outcome: ScannerOutcome) -> dict[str, Issue]:
    return {issue.rule: issue for issue in outcome.issues}


@pytest.mark.parametrize(
    ("rule", "severity", "location"),
    [
        ("B602", Severity.HIGH, "app/jobs.py:11"),  # subprocess.call(..., shell=True)
        ("B506", Severity.MEDIUM, "app/jobs.py:15"),  # yaml.load
        ("B307", Severity.MEDIUM, "app/jobs.py:19"),  # eval
        ("B105", Severity.LOW, "app/jobs.py:7"),  # a hard-coded password
    ],
)
def test_each_planted_weakness_is_found_with_its_severity_and_place(
    planted: ScannerOutcome, rule: str, severity: Severity, location: str
) -> None:
    issue = by_rule(planted)[rule]

    assert (issue.severity, issue.location) == (severity, location)


def test_the_finding_quotes_the_flagged_line(planted: ScannerOutcome) -> None:
    finding = by_rule(planted)["B602"].finding()

    assert finding.title.startswith("bandit: B602 subprocess call with shell=True")
    assert finding.title.endswith("(app/jobs.py:11)")
    assert "11: return subprocess.call(command, shell=True)" in finding.evidence


def test_a_hard_coded_password_is_not_repeated_in_the_finding(planted: ScannerOutcome) -> None:
    finding = by_rule(planted)["B105"].finding()

    assert "hunter2" not in finding.model_dump_json()
    assert "'***'" in finding.title


def test_the_report_and_log_are_artifacts(planted: ScannerOutcome) -> None:
    assert planted.status is ScannerStatus.OK
    assert {a.name for a in planted.artifacts} == {"bandit log", "bandit report"}


def test_a_clean_tree_has_no_finding(tools: Tools) -> None:
    outcome = sast.scan(CLEAN, ScanConfig(), tools)

    assert (outcome.status, outcome.issues) == (ScannerStatus.OK, [])


def test_excluded_files_are_not_reported(tools: Tools) -> None:
    outcome = sast.scan(PLANTED, ScanConfig(exclude=["app/*"]), tools)

    assert outcome.issues == []


def test_a_virtualenv_inside_the_source_is_not_scanned(tmp_path: Path, tools: Tools) -> None:
    package = tmp_path / "src" / ".venv" / "lib" / "site-packages" / "pkg"
    package.mkdir(parents=True)
    (package / "mod.py").write_text("def f(x):\n    return eval(x)\n")

    assert sast.scan(tmp_path / "src", ScanConfig(), tools).issues == []


def test_bandit_missing_is_an_error_not_a_pass(tmp_path: Path) -> None:
    tools = Tools(workdir=tmp_path, timeout_s=60, python=str(tmp_path / "no-python"))

    outcome = sast.scan(PLANTED, ScanConfig(), tools)

    assert outcome.status is ScannerStatus.ERROR
    assert outcome.reason.startswith("bandit could not start: command not found")


def test_a_bandit_that_runs_too_long_is_an_error(tmp_path: Path) -> None:
    outcome = sast.scan(PLANTED, ScanConfig(), Tools(workdir=tmp_path, timeout_s=0.01))

    assert (outcome.status, outcome.reason) == (ScannerStatus.ERROR, "bandit timed out after 0.01s")


@pytest.mark.parametrize(
    ("bandit_severity", "confidence", "ours"),
    [
        ("HIGH", "HIGH", Severity.HIGH),
        ("HIGH", "MEDIUM", Severity.HIGH),
        ("HIGH", "LOW", Severity.MEDIUM),
        ("MEDIUM", "LOW", Severity.LOW),
        ("LOW", "LOW", Severity.INFO),
        ("UNDEFINED", "HIGH", Severity.LOW),
    ],
)
def test_severity_follows_bandit_one_step_lower_when_unsure(
    bandit_severity: str, confidence: str, ours: Severity
) -> None:
    assert sast.severity(bandit_severity, confidence) is ours


def test_files_bandit_could_not_parse_are_named_as_info() -> None:
    report = {"results": [], "errors": [{"filename": "./old/py2.py", "reason": "syntax error"}]}

    [issue] = sast.parse_report(json.dumps(report), ScanConfig())

    assert (issue.severity, issue.location) == (Severity.INFO, "old/py2.py")
    assert issue.message == "file not analysed: syntax error"


def test_an_unreadable_report_is_a_report_error() -> None:
    with pytest.raises(ReportError):
        sast.parse_report("{not json", ScanConfig())
