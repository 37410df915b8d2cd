"""Secrets: real detect-secrets finds each planted secret, and no value ever enters a finding."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from actions.result import Severity
from actions.scan import secrets
from actions.scan.config import ScanConfig
from actions.scan.outcome import ReportError, ScannerOutcome, ScannerStatus
from actions.scan.tool import Tools
from tests.scan.conftest import CLEAN, PLANTED

PLANTED_VALUES = ("AKIAIOSFODNN7EXAMPLE", "b6f2e0c9d4a7f1e8", "MIIEowIBAAKCAQEA", "hunter2")


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> ScannerOutcome:
    tools = Tools(workdir=tmp_path_factory.mktemp("detect-secrets"), timeout_s=60)
    return secrets.scan(PLANTED, ScanConfig(), tools)


@pytest.mark.parametrize(
    ("kind", "severity", "location"),
    [
        ("AWS Access Key", Severity.HIGH, "config/deploy.ini:3"),
        ("Private Key", Severity.HIGH, "config/deploy_key.pem:1"),
        ("Hex High Entropy String", Severity.MEDIUM, "config/deploy.ini:6"),
        ("Secret Keyword", Severity.MEDIUM, "app/jobs.py:7"),
    ],
)
def test_each_planted_secret_is_found_with_its_type_and_place(
    planted: ScannerOutcome, kind: str, severity: Severity, location: str
) -> None:
    found = {(i.rule, i.severity, i.location) for i in planted.issues}

    assert (kind, severity, location) in found


def test_nothing_else_is_found(planted: ScannerOutcome) -> None:
    assert planted.status is ScannerStatus.OK
    assert len(planted.issues) == 4


def test_no_secret_value_reaches_a_finding(planted: ScannerOutcome) -> None:
    text = json.dumps([issue.finding().model_dump(mode="json") for issue in planted.issues])

    for value in PLANTED_VALUES:
        assert value not in text


def test_the_fingerprint_follows_the_secret_not_its_line(planted: ScannerOutcome) -> None:
    [aws] = [i for i in planted.issues if i.rule == "AWS Access Key"]

    assert aws.key == "config/deploy.ini:25910f981e85ca04baf359199dd0bd4a3ae738b6"


def test_a_clean_tree_has_no_finding(tools: Tools) -> None:
    outcome = secrets.scan(CLEAN, ScanConfig(), tools)

    assert (outcome.status, outcome.issues) == (ScannerStatus.OK, [])


def test_excluded_folders_are_not_scanned(tools: Tools) -> None:
    outcome = secrets.scan(PLANTED, ScanConfig(exclude=["config"]), tools)

    assert [i.location for i in outcome.issues] == ["app/jobs.py:7"]


def test_installed_packages_inside_the_source_are_not_scanned(tmp_path: Path, tools: Tools) -> None:
    package = tmp_path / "src" / "node_modules" / "aws-sdk"
    package.mkdir(parents=True)
    (package / "test.ini").write_text("aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n")

    assert secrets.scan(tmp_path / "src", ScanConfig(), tools).issues == []


def test_detect_secrets_missing_is_an_error_not_a_pass(tools: Tools) -> None:
    broken = Tools(workdir=tools.workdir, timeout_s=60, python="/nonexistent/python")

    outcome = secrets.scan(PLANTED, ScanConfig(), broken)

    assert outcome.status is ScannerStatus.ERROR
    assert "could not start" in outcome.reason


@pytest.mark.parametrize(
    ("kind", "verified", "severity"),
    [
        ("GitHub Token", False, Severity.HIGH),
        ("Base64 High Entropy String", False, Severity.MEDIUM),
        ("Public IP (ipv4)", False, Severity.LOW),
        ("Secret Keyword", True, Severity.CRITICAL),
    ],
)
def test_severity_by_kind_of_secret(kind: str, verified: bool, severity: Severity) -> None:
    assert secrets.severity(kind, verified) is severity


@pytest.mark.parametrize(
    ("path", "excluded"),
    [
        ("tests/fixture.env", True),
        ("./tests/a/b.txt", True),
        ("app/tests.py", False),
        ("web/node_modules/pkg/key.pem", True),
        ("app/venv.py", False),
    ],
)
def test_the_exclude_regex_given_to_detect_secrets_matches_like_the_globs(
    path: str, excluded: bool
) -> None:
    regex = secrets.exclude_regex(["tests"])

    assert bool(re.search(regex, path)) is excluded


def test_an_unreadable_report_is_a_report_error() -> None:
    with pytest.raises(ReportError):
        secrets.parse_report('{"results": []}', ScanConfig())
