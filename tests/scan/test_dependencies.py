"""The dependency audit: real pip-audit against a fake OSV API on 127.0.0.1 (`--osv-url`), and
against no reachable advisory database, which is a `skipped` outcome and never a pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from actions.result import Severity
from actions.scan import dependencies
from actions.scan.config import ScanConfig
from actions.scan.outcome import ScannerOutcome, ScannerStatus
from actions.scan.tool import Tools
from tests.scan.conftest import CLEAN, FIXTURES, PLANTED

RECORDED = FIXTURES / "pip-audit"


def osv_config(url: str, **settings: Any) -> ScanConfig:
    return ScanConfig(advisory_service="osv", advisory_url=url, request_timeout="5s", **settings)


@pytest.fixture(scope="module")
def planted(osv: Any, tmp_path_factory: pytest.TempPathFactory) -> ScannerOutcome:
    tools = Tools(workdir=tmp_path_factory.mktemp("pip-audit"), timeout_s=60)
    return dependencies.scan(PLANTED, osv_config(osv.url), tools)


def test_a_known_vulnerability_is_a_high_finding_with_its_ids_and_fix(
    planted: ScannerOutcome,
) -> None:
    [issue] = planted.issues

    assert planted.status is ScannerStatus.OK
    assert issue.severity is Severity.HIGH
    assert issue.message == "requests 2.19.0: PYSEC-2018-28, CVE-2018-18074 (fixed in 2.20.0)"
    assert issue.location == "requirements.txt"
    assert issue.evidence == "requests sends the Authorization header to an http URI upon redirect"


def test_pinned_requirements_are_asked_about_as_pinned_without_resolving(
    planted: ScannerOutcome, osv: Any
) -> None:
    asked = {(q["package"]["name"], q["version"]) for q in osv.queries}

    assert {("requests", "2.19.0"), ("pyyaml", "6.0.2")} <= asked


def test_clean_requirements_have_no_finding(osv: Any, tools: Tools) -> None:
    outcome = dependencies.scan(CLEAN, osv_config(osv.url), tools)

    assert (outcome.status, outcome.issues) == (ScannerStatus.OK, [])


def test_an_ignored_advisory_is_not_reported(osv: Any, tools: Tools) -> None:
    outcome = dependencies.scan(PLANTED, osv_config(osv.url, ignore_vulns=["PYSEC-2018-28"]), tools)

    assert outcome.issues == []


def test_an_unreachable_osv_skips_the_audit_and_says_why(closed_port: int, tools: Tools) -> None:
    url = f"http://127.0.0.1:{closed_port}/v1/query"

    outcome = dependencies.scan(PLANTED, osv_config(url), tools)

    assert outcome.status is ScannerStatus.SKIPPED
    assert outcome.reason.startswith("no advisory database reachable (")
    assert "Connection refused" in outcome.reason
    assert outcome.describe().startswith("pip-audit: skipped: no advisory database reachable")


def test_an_unreachable_pypi_skips_the_audit(
    closed_port: int, tools: Tools, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyPI's API is reached through a proxy that is down: the child's network is 127.0.0.1."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{closed_port}")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)

    outcome = dependencies.scan(PLANTED, ScanConfig(request_timeout="5s"), tools)

    assert outcome.status is ScannerStatus.SKIPPED
    assert "ProxyError" in outcome.reason


def test_a_source_without_requirements_has_nothing_to_audit(tmp_path: Path, tools: Tools) -> None:
    outcome = dependencies.scan(tmp_path, ScanConfig(), tools)

    assert outcome.status is ScannerStatus.NOTHING
    assert outcome.reason == "no requirements*.txt or pyproject.toml in the source"


def test_a_configured_requirement_file_that_is_missing_is_an_error(tools: Tools) -> None:
    outcome = dependencies.scan(PLANTED, ScanConfig(requirements="requirements.lock"), tools)

    assert outcome.status is ScannerStatus.ERROR
    assert outcome.reason.startswith("requirement file not found:")


def test_requirement_files_are_found_outside_virtualenvs_and_exclusions(tmp_path: Path) -> None:
    names = ["requirements.txt", "svc/requirements-prod.txt", ".venv/requirements.txt"]
    names += ["tests/requirements-test.txt", "docs/notes.txt"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x==1\n")

    found = dependencies.requirement_files(tmp_path, ScanConfig(exclude=["tests"]))

    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "requirements.txt",
        "svc/requirements-prod.txt",
    ]


def test_pypi_knowing_none_of_the_dependencies_is_no_audit() -> None:
    """Recorded on a machine whose registry mirror has no PyPI JSON API: pip-audit itself exits
    0 and prints `No known vulnerabilities found`."""
    text = (RECORDED / "pypi-json-api-unavailable.json").read_text()
    audit = dependencies.parse_report(text, "requirements.txt")

    outcome = dependencies.judge_audit(audit, "pypi", [], "requirements.txt")

    assert outcome.status is ScannerStatus.SKIPPED
    assert outcome.reason.startswith("no advisory database reachable (PyPI's JSON API knew none")


def test_each_advisory_of_a_report_is_a_finding_and_skipped_packages_are_named() -> None:
    """A report in pip-audit's JSON format: two vulnerable packages, one clean, one private."""
    audit = dependencies.parse_report((RECORDED / "mixed.json").read_text(), "requirements.txt")

    outcome = dependencies.judge_audit(audit, "pypi", [], "requirements.txt")

    assert outcome.status is ScannerStatus.OK
    assert [(i.severity, i.message) for i in outcome.issues] == [
        (Severity.HIGH, "requests 2.19.0: PYSEC-2018-28, CVE-2018-18074 (fixed in 2.20.0)"),
        (Severity.HIGH, "jinja2 2.10: GHSA-462w-v97r-4m45, CVE-2019-10906 (fixed in 2.10.1)"),
        (Severity.HIGH, "jinja2 2.10: PYSEC-2021-66 (no fixed version)"),
        (
            Severity.INFO,
            "shop-internal not audited: Dependency not found on PyPI and could not be "
            "audited: shop-internal (3.2.0)",
        ),
    ]


@pytest.mark.parametrize(
    ("text", "pinned"),
    [
        ("requests==2.32.3\npyyaml==6.0.2  # yaml\n", True),
        ("requests==2.32.3 \\\n    --hash=sha256:abc\n", True),
        ("requests[socks]==2.32.3 ; python_version >= '3.8'\n", True),
        ("# only a comment\n\n", True),
        ("requests>=2\n", False),
        ("requests==2.*\n", False),
        ("requests\n", False),
        ("-r base.txt\nrequests==2.32.3\n", False),
        ("-e ./lib\n", False),
        ("shop @ https://example.invalid/shop-1.0.tar.gz\n", False),
    ],
)
def test_fully_pinned_requirements_are_recognised(text: str, pinned: bool) -> None:
    assert dependencies.is_fully_pinned(text) is pinned


@pytest.mark.parametrize(
    ("tail", "network"),
    [
        (
            "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.osv.dev'): "
            "Max retries exceeded (NameResolutionError)",
            True,
        ),
        ("pip_audit._service.interface.ConnectionError: Could not connect to PyPI's feed", True),
        ("requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='pypi.org', port=443)", True),
        ("ERROR:pip_audit._cli:invalid requirements input: requirements.txt", False),
        ("", False),
    ],
)
def test_a_network_error_is_told_from_other_failures(tail: str, network: bool) -> None:
    assert (dependencies.network_error(tail) is not None) is network
