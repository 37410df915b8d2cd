"""The endpoint scan's requests (httpx) and TLS handshakes (ssl); `endpoints.py` judges them.

Certificates are checked by the handshakes here; the HTTP requests do not verify them, so that
an untrusted certificate is one finding rather than the end of the scan.
"""

from __future__ import annotations

import secrets
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from actions.result import Severity
from actions.scan import endpoints
from actions.scan.config import ScanConfig
from actions.scan.endpoints import EVIL_ORIGIN, Response, TlsFacts
from actions.scan.outcome import Issue, ScannerOutcome, ScannerStatus

CHECK = "endpoints"
BODY_CHARS = 64_000
MALFORMED_JSON = '{"preprod-scan": [1, 2,'
USER_AGENT = "preprod-scan"
JSON = {"Content-Type": "application/json"}


class Stopped(Exception):
    """The run was cancelled or the scan ran out of time."""


@dataclass
class Probe:
    """One service's probe: its client, when to stop, and the requests that failed."""

    client: httpx.Client
    cancel_event: threading.Event
    deadline: float
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    """(method, URL, why) of each request that failed."""

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        content: str | None = None,
        required: bool = False,
    ) -> Response:
        """The answer; status 0 when the request failed (raised instead when `required`)."""
        if self.cancel_event.is_set() or time.monotonic() > self.deadline:
            raise Stopped
        try:
            with self.client.stream(method, url, headers=headers, content=content) as answer:
                body = _read_text(answer)
        except httpx.HTTPError as exc:
            if required:
                raise
            self.failures.append((method, url, _why(exc)))
            return Response(method, url, 0)
        headers_seen = {k.lower(): v for k, v in answer.headers.items()}
        return Response(method, url, answer.status_code, headers_seen, body)


def scan(
    urls: dict[str, str],
    config: ScanConfig,
    *,
    base_dir: Path,
    cancel_event: threading.Event,
    progress: Callable[[str], None] = lambda message: None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ScannerOutcome:
    """Probe every service's base URL; an unreachable service makes the scan an error."""
    if not urls:
        return ScannerOutcome(CHECK, endpoints.TOOL, ScannerStatus.NOTHING, reason="no service URL")
    ca_file = (base_dir / config.ca_file) if config.ca_file else None
    deadline = time.monotonic() + config.timeout_s
    issues: list[Issue] = []
    errors: list[str] = []
    for service, base_url in urls.items():
        progress(f"scan: endpoints of {service} at {base_url}")
        client = httpx.Client(
            verify=False,
            timeout=config.request_timeout_s,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        )
        with client:
            try:
                issues += probe_service(
                    service, base_url, config, Probe(client, cancel_event, deadline)
                )
                if urlsplit(base_url).scheme == "https":
                    facts = tls_facts(base_url, ca_file, config.request_timeout_s)
                    issues += endpoints.tls_issues(
                        service, facts, now=now(), expiry_days=config.cert_expiry_days
                    )
            except Stopped:
                why = "cancelled" if cancel_event.is_set() else f"timed out after {config.timeout}"
                errors.append(f"{service}: {why}")
                break
            except httpx.HTTPError as exc:
                errors.append(f"{service} could not be reached at {base_url}: {_why(exc)}")
    status = ScannerStatus.ERROR if errors else ScannerStatus.OK
    return ScannerOutcome(
        CHECK, endpoints.TOOL, status, endpoints.dedupe(issues), reason="; ".join(errors)
    )


def probe_service(service: str, base_url: str, config: ScanConfig, probe: Probe) -> list[Issue]:
    """The requests of one service's scan, judged."""
    base = base_url.rstrip("/")
    https = urlsplit(base_url).scheme == "https"
    issues: list[Issue] = []
    maybe: list[Issue | None] = []
    for url in [base_url, *(base + p for p in config.endpoint_paths)]:
        answer = probe.send("GET", url, headers={"Origin": EVIL_ORIGIN}, required=url == base_url)
        if answer.status:
            issues += endpoints.header_issues(service, answer, https=https)
            issues += endpoints.cors_issues(service, answer)
            maybe.append(endpoints.error_page_issue(service, answer))
    not_found = probe.send("GET", f"{base}/preprod-scan-{secrets.token_hex(6)}")
    maybe.append(endpoints.error_page_issue(service, not_found))
    for debug_path in endpoints.DEBUG_PATHS:
        answer = probe.send("GET", base + debug_path.path)
        maybe.append(endpoints.exposed_path_issue(service, debug_path, answer, not_found))
    bad_requests = [probe.send("GET", f"{base}/%ff"), probe.send("GET", f"{base}/?id=%27%22%3C")]
    bad_requests += [
        probe.send("POST", base + (path or "/"), content=MALFORMED_JSON, headers=JSON)
        for path in ["", *config.endpoint_paths]
    ]
    maybe += [endpoints.error_page_issue(service, answer) for answer in bad_requests]
    issues += [issue for issue in maybe if issue is not None]
    issues += [
        Issue(
            endpoints.TOOL,
            "request-failed",
            Severity.INFO,
            f"request failed: {method} {url}: {why}",
            url,
            service=service,
            key=f"{service}:failed:{method} {url}",
        )
        for method, url, why in probe.failures
    ]
    return issues


def tls_facts(url: str, ca_file: Path | None, timeout_s: float) -> TlsFacts:
    """Handshakes with the service: one verifying its certificate, one offering only TLS < 1.2."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    verifying = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    try:
        with _handshake(verifying, host, port, timeout_s) as tls:
            cert = tls.getpeercert() or {}
            protocol = tls.version()
        not_after = cert.get("notAfter")
        expiry = (
            datetime.fromtimestamp(ssl.cert_time_to_seconds(str(not_after)), UTC)
            if not_after
            else None
        )
        facts = TlsFacts(url, protocol=protocol, not_after=expiry)
    except ssl.SSLCertVerificationError as exc:
        facts = TlsFacts(url, verify_error=exc.verify_message or str(exc))
    except (OSError, ssl.SSLError) as exc:
        return TlsFacts(url, handshake_error=str(exc))
    return TlsFacts(
        url,
        verify_error=facts.verify_error,
        protocol=facts.protocol or _unverified_protocol(host, port, timeout_s),
        legacy_protocol=_legacy_protocol(host, port, timeout_s),
        not_after=facts.not_after,
    )


def _unverified_protocol(host: str, port: int, timeout_s: float) -> str | None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with _handshake(context, host, port, timeout_s) as tls:
            return tls.version()
    except (OSError, ssl.SSLError):
        return None


def _legacy_protocol(host: str, port: int, timeout_s: float) -> str | None:
    """The protocol older than TLS 1.2 the server accepts, if any."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    # Offering TLS 1.0/1.1 is the point of this handshake; Python warns that they are deprecated
    # (the filter is process-wide for these two lines only).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    try:
        with _handshake(context, host, port, timeout_s) as tls:
            return tls.version()
    except (OSError, ssl.SSLError):
        return None


def _handshake(context: ssl.SSLContext, host: str, port: int, timeout_s: float) -> ssl.SSLSocket:
    raw = socket.create_connection((host, port), timeout=timeout_s)
    try:
        return context.wrap_socket(raw, server_hostname=host)
    except BaseException:
        raw.close()
        raise


def _read_text(answer: httpx.Response) -> str:
    chunks: list[bytes] = []
    size = 0
    for chunk in answer.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= BODY_CHARS:
            break
    data = b"".join(chunks)[:BODY_CHARS]
    try:
        return data.decode(answer.encoding or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return data.decode("utf-8", errors="replace")


def _why(exc: httpx.HTTPError) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
