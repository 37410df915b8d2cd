"""The endpoint scan over real HTTP(S) on 127.0.0.1: a weak service has each of its planted
weaknesses found, a hardened one none; TLS with certificates made by openssl for the test."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from actions.result import Severity
from actions.scan import probe
from actions.scan.config import ScanConfig
from actions.scan.outcome import ScannerOutcome, ScannerStatus
from tests.scan.servers import HardenedHandler, make_certificate, serve, tls_context

CONFIG = ScanConfig(request_timeout="5s", timeout="30s")


def scan(urls: dict[str, str], config: ScanConfig = CONFIG, **kwargs: object) -> ScannerOutcome:
    options: dict[str, object] = {"base_dir": Path("/"), "cancel_event": threading.Event()}
    options.update(kwargs)
    return probe.scan(urls, config, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def weak(weak_url: str) -> ScannerOutcome:
    return scan({"shop": weak_url}, CONFIG.model_copy(update={"endpoint_paths": ["/orders"]}))


def found(outcome: ScannerOutcome) -> dict[str, Severity]:
    return {issue.rule: issue.severity for issue in outcome.issues}


def test_each_missing_security_header_is_found(weak: ScannerOutcome) -> None:
    assert {
        "header:x-content-type-options",
        "header:frame-options",
        "header:content-security-policy",
        "header:referrer-policy",
    } <= set(found(weak))
    assert "header:strict-transport-security" not in found(weak)  # plain http


def test_the_debug_page_is_found(weak: ScannerOutcome, weak_url: str) -> None:
    [issue] = [i for i in weak.issues if i.rule == "exposed:/debug"]

    assert (issue.severity, issue.location) == (Severity.HIGH, f"{weak_url}/debug")
    assert issue.service == "shop"


def test_only_the_debug_page_counts_as_exposed(weak: ScannerOutcome) -> None:
    assert [r for r in found(weak) if r.startswith("exposed:")] == ["exposed:/debug"]


def test_a_traceback_on_bad_input_is_found(weak: ScannerOutcome) -> None:
    [issue] = [i for i in weak.issues if i.rule == "verbose-error"]

    assert issue.severity is Severity.MEDIUM
    assert issue.message == "error page shows a Python traceback"


def test_cors_reflecting_any_origin_with_credentials_is_found(weak: ScannerOutcome) -> None:
    assert found(weak)["cors"] is Severity.HIGH


def test_the_weak_service_scan_itself_succeeds(weak: ScannerOutcome) -> None:
    assert (weak.status, weak.reason) == (ScannerStatus.OK, "")


def test_a_hardened_service_has_no_finding(hardened_url: str) -> None:
    config = CONFIG.model_copy(update={"endpoint_paths": ["/api/orders"]})

    outcome = scan({"shop": hardened_url}, config)

    assert (outcome.status, outcome.issues) == (ScannerStatus.OK, [])


def test_an_unreachable_service_is_an_error_not_a_pass(closed_port: int) -> None:
    outcome = scan({"shop": f"http://127.0.0.1:{closed_port}"})

    assert outcome.status is ScannerStatus.ERROR
    assert outcome.reason.startswith(f"shop could not be reached at http://127.0.0.1:{closed_port}")


def test_no_service_url_is_nothing_to_scan() -> None:
    assert scan({}).status is ScannerStatus.NOTHING


def test_a_cancelled_run_stops_probing(hardened_url: str) -> None:
    cancelled = threading.Event()
    cancelled.set()

    outcome = scan({"shop": hardened_url}, cancel_event=cancelled)

    assert (outcome.status, outcome.reason) == (ScannerStatus.ERROR, "shop: cancelled")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test certificate")
    return make_certificate(tmp_path_factory.mktemp("tls"), days=3)


@pytest.fixture(scope="module")
def https_url(certificate: tuple[Path, Path]) -> Iterator[str]:
    with serve(HardenedHandler, tls=tls_context(*certificate)) as (url, _):
        yield url


def test_a_self_signed_certificate_is_not_trusted(https_url: str) -> None:
    outcome = scan({"shop": https_url})

    assert found(outcome) == {"tls:certificate": Severity.HIGH}
    assert outcome.issues[0].evidence == "self-signed certificate"


def test_a_trusted_certificate_expiring_soon_is_found(
    https_url: str, certificate: tuple[Path, Path]
) -> None:
    cert, _ = certificate
    config = CONFIG.model_copy(update={"ca_file": str(cert), "cert_expiry_days": 14})

    outcome = scan({"shop": https_url}, config)

    assert found(outcome) == {"tls:expiry": Severity.MEDIUM}
    assert outcome.issues[0].message == "TLS: certificate expires in 3 days"


def test_a_trusted_certificate_far_from_expiry_is_no_issue(
    https_url: str, certificate: tuple[Path, Path]
) -> None:
    cert, _ = certificate
    config = CONFIG.model_copy(update={"ca_file": str(cert), "cert_expiry_days": 1})

    assert scan({"shop": https_url}, config).issues == []


def test_a_server_accepting_tls_1_1_is_found(certificate: tuple[Path, Path]) -> None:
    cert, _ = certificate
    config = CONFIG.model_copy(update={"ca_file": str(cert), "cert_expiry_days": 0})

    with serve(HardenedHandler, tls=tls_context(*certificate, legacy=True)) as (url, _):
        outcome = scan({"shop": url}, config)

    [issue] = outcome.issues
    assert (issue.rule, issue.severity) == ("tls:protocol", Severity.HIGH)
    assert issue.message == "TLS: accepts TLSv1.1 (older than TLS 1.2)"


def test_expiry_is_judged_at_the_scan_time(https_url: str, certificate: tuple[Path, Path]) -> None:
    cert, _ = certificate
    config = CONFIG.model_copy(update={"ca_file": str(cert), "cert_expiry_days": 1})
    later = datetime.now(UTC) + timedelta(days=10)

    outcome = scan({"shop": https_url}, config, now=lambda: later)

    assert found(outcome) == {"tls:expiry": Severity.HIGH}
