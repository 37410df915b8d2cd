"""What the deployed endpoints' answers reveal: missing security headers, exposed debug and admin
paths, verbose error pages, permissive CORS, weak TLS. Pure: responses in, issues out.

The requests themselves are made by `probe.py`. Document headers (CSP, framing) matter most
on HTML: missing on other content they are `low`, on HTML `medium`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from actions.result import Severity
from actions.scan.outcome import Issue

TOOL = "endpoints"
EVIL_ORIGIN = "https://evil.example"
TRIVIAL_BODY_CHARS = 16
"""A body shorter than this (`ok`, `{}`, `Not Found`) exposes nothing."""
LEGACY_PROTOCOLS = ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1")


@dataclass(frozen=True)
class Response:
    """One answer of a service, as the probe saw it (header names lower-cased)."""

    method: str
    url: str
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "").strip()

    @property
    def is_html(self) -> bool:
        return "html" in self.header("content-type").lower()


@dataclass(frozen=True)
class DebugPath:
    """A path that must not answer in pre-production or production."""

    path: str
    what: str
    severity: Severity = Severity.HIGH
    signature: str = ""
    """A regex that, found in the body, confirms what it is."""


DEBUG_PATHS = (
    DebugPath("/debug", "debug endpoint"),
    DebugPath("/_debug", "debug endpoint"),
    DebugPath("/debug/vars", "Go expvar variables", signature=r'"memstats"|"cmdline"'),
    DebugPath("/debug/pprof/", "Go pprof profiler", signature=r"(?i)profile"),
    DebugPath("/console", "interactive console", signature=r"(?i)console|debugger"),
    DebugPath("/admin", "admin interface", Severity.MEDIUM),
    DebugPath("/.env", "environment file", signature=r"(?m)^\s*[A-Za-z_][A-Za-z0-9_]*\s*="),
    DebugPath("/.git/config", "git repository config", signature=r"\[core\]"),
    DebugPath("/actuator/env", "Spring actuator environment", signature=r"propertySources"),
    DebugPath("/actuator/heapdump", "Spring actuator heap dump"),
    DebugPath("/server-status", "Apache server status", signature=r"Server Status"),
    DebugPath("/phpinfo.php", "phpinfo page", signature=r"phpinfo\(\)|PHP Version"),
)


@dataclass(frozen=True)
class Signature:
    name: str
    pattern: re.Pattern[str]
    severity: Severity = Severity.MEDIUM


ERROR_SIGNATURES = (
    Signature(
        "Werkzeug interactive debugger",
        re.compile(r"Werkzeug Debugger|__debugger__"),
        Severity.HIGH,
    ),
    Signature(
        "Django debug page",
        re.compile(r"you have <code>DEBUG = True</code>|DEBUG = True"),
        Severity.HIGH,
    ),
    Signature("Python traceback", re.compile(r"Traceback \(most recent call last\)")),
    Signature("Python stack frame", re.compile(r'File "[^"\n]+", line \d+')),
    Signature("Java stack trace", re.compile(r"\bat [\w$.]+\([\w$]+\.java:\d+\)")),
    Signature(
        ".NET stack trace", re.compile(r"System\.\w*Exception|Server Error in '/' Application")
    ),
    Signature(
        "PHP error",
        re.compile(
            r"(?:Fatal error|Parse error|Warning)</b>:|PHP (?:Fatal|Parse) error|Stack trace:\s*#0"
        ),
    ),
    Signature(
        "Node.js stack trace", re.compile(r"\bat [\w.<>$]+ \((?:/|[A-Za-z]:\\)[^)\n]+:\d+:\d+\)")
    ),
    Signature("Go panic", re.compile(r"goroutine \d+ \[running\]")),
    Signature("Ruby stack trace", re.compile(r"\.rb:\d+:in `")),
    Signature(
        "database error",
        re.compile(
            r"sqlite3\.\w+Error|psycopg2?\.\w+|SQLSTATE\[|ORA-\d{5}"
            r"|You have an error in your SQL syntax"
        ),
    ),
)


def header_issues(service: str, response: Response, *, https: bool) -> list[Issue]:
    """Security headers missing from one answer."""
    document = Severity.MEDIUM if response.is_html else Severity.LOW
    csp = response.header("content-security-policy")
    missing: list[tuple[str, Severity, str]] = []
    if response.header("x-content-type-options").lower() != "nosniff":
        missing.append(("x-content-type-options", Severity.LOW, "X-Content-Type-Options: nosniff"))
    framing = response.header("x-frame-options").upper() in ("DENY", "SAMEORIGIN")
    if not framing and "frame-ancestors" not in csp.lower():
        missing.append(
            ("frame-options", document, "X-Frame-Options or CSP frame-ancestors (clickjacking)")
        )
    if not csp:
        missing.append(("content-security-policy", document, "Content-Security-Policy"))
    if https and not re.search(r"max-age=\s*[1-9]", response.header("strict-transport-security")):
        missing.append(("strict-transport-security", Severity.LOW, "Strict-Transport-Security"))
    referrer = response.header("referrer-policy").lower()
    if not referrer or referrer == "unsafe-url":
        missing.append(("referrer-policy", Severity.LOW, "Referrer-Policy"))
    return [
        Issue(
            scanner=TOOL,
            rule=f"header:{rule}",
            severity=severity,
            message=f"missing {what}",
            location=response.url,
            evidence=f"{response.method} {response.url} -> {response.status}",
            service=service,
            key=f"{service}:header:{rule}",
        )
        for rule, severity, what in missing
    ]


def cors_issues(service: str, response: Response, origin: str = EVIL_ORIGIN) -> list[Issue]:
    """CORS that lets any site read the answer: an arbitrary Origin reflected, or `*`, with
    credentials."""
    allowed = response.header("access-control-allow-origin")
    credentials = response.header("access-control-allow-credentials").lower() == "true"
    if allowed == origin:
        severity = Severity.HIGH if credentials else Severity.MEDIUM
        what = "reflects any Origin" + (" and allows credentials" if credentials else "")
    elif allowed == "*" and credentials:
        # Browsers refuse this pair, but it shows the intent to share credentialed answers.
        severity, what = Severity.MEDIUM, "allows any origin (*) with credentials"
    else:
        return []
    evidence = (
        f"{response.method} {response.url} with Origin: {origin} -> "
        f"Access-Control-Allow-Origin: {allowed}, "
        f"Access-Control-Allow-Credentials: {response.header('access-control-allow-credentials')}"
    )
    return [
        Issue(
            TOOL,
            "cors",
            severity,
            f"CORS {what}",
            response.url,
            evidence,
            service,
            key=f"{service}:cors",
        )
    ]


def exposed_path_issue(
    service: str, path: DebugPath, response: Response, not_found: Response | None = None
) -> Issue | None:
    """A debug or admin path that answers 200 with a real body (not the catch-all page)."""
    body = response.body.strip()
    if response.status != 200 or len(body) < TRIVIAL_BODY_CHARS:
        return None
    if not_found is not None and not_found.status == 200 and not_found.body.strip() == body:
        return None  # the app answers every path with the same page
    confirmed = bool(path.signature and re.search(path.signature, response.body))
    evidence = (
        f"GET {response.url} -> 200, {len(response.body)} characters, "
        f"content-type {response.header('content-type') or 'none'}"
        + (f"; it looks like a {path.what}" if confirmed else "")
    )
    return Issue(
        scanner=TOOL,
        rule=f"exposed:{path.path}",
        severity=path.severity,
        message=f"{path.what} exposed at {path.path}",
        location=response.url,
        evidence=evidence,
        service=service,
        key=f"{service}:exposed:{path.path}",
    )


def error_page_issue(service: str, response: Response) -> Issue | None:
    """An answer that shows a stack trace, a debugger or a database error."""
    found = [s for s in ERROR_SIGNATURES if s.pattern.search(response.body)]
    if not found:
        return None
    worst = max(found, key=lambda s: s.severity.rank)
    match = worst.pattern.search(response.body)
    assert match is not None
    line_start = response.body.rfind("\n", 0, match.start()) + 1
    line_end = response.body.find("\n", match.end())
    line = response.body[line_start : line_end if line_end >= 0 else None].strip()
    return Issue(
        scanner=TOOL,
        rule="verbose-error",
        severity=worst.severity,
        message=f"error page shows a {worst.name}",
        location=response.url,
        evidence=f"{response.method} {response.url} -> {response.status}: {line[:200]}",
        service=service,
        key=f"{service}:verbose-error",
    )


@dataclass(frozen=True)
class TlsFacts:
    """What the TLS handshakes with one service showed."""

    url: str
    verify_error: str | None = None
    """Why the certificate was not trusted; None when it was."""
    protocol: str | None = None
    """The version negotiated with default settings."""
    legacy_protocol: str | None = None
    """A version older than TLS 1.2 that the server also accepted."""
    not_after: datetime | None = None
    handshake_error: str | None = None


def tls_issues(service: str, facts: TlsFacts, *, now: datetime, expiry_days: int) -> list[Issue]:
    """An untrusted or soon-expiring certificate, or a protocol older than TLS 1.2."""
    found: list[tuple[str, Severity, str, str]] = []
    if facts.handshake_error:
        found.append(("handshake", Severity.HIGH, "TLS handshake failed", facts.handshake_error))
    if facts.verify_error:
        found.append(
            ("certificate", Severity.HIGH, "certificate is not trusted", facts.verify_error)
        )
    if facts.protocol in LEGACY_PROTOCOLS:
        found.append(("protocol", Severity.HIGH, f"negotiates {facts.protocol}", ""))
    elif facts.legacy_protocol:
        what = f"accepts {facts.legacy_protocol} (older than TLS 1.2)"
        found.append(("protocol", Severity.HIGH, what, ""))
    if facts.not_after is not None:
        days = (facts.not_after - now).total_seconds() / 86400
        if days < expiry_days:
            when = facts.not_after.strftime("%Y-%m-%d %H:%M UTC")
            what = (
                "certificate has expired" if days < 0 else f"certificate expires in {days:.0f} days"
            )
            severity = Severity.HIGH if days < 0 else Severity.MEDIUM
            found.append(("expiry", severity, what, f"not valid after {when}"))
    return [
        Issue(
            TOOL,
            f"tls:{rule}",
            severity,
            f"TLS: {what}",
            facts.url,
            evidence,
            service,
            key=f"{service}:tls:{rule}",
        )
        for rule, severity, what, evidence in found
    ]


def dedupe(issues: list[Issue]) -> list[Issue]:
    """One issue per key (a header missing on several paths of a service is one problem)."""
    seen: dict[str, Issue] = {}
    for issue in issues:
        seen.setdefault(issue.key or issue.location, issue)
    return list(seen.values())
