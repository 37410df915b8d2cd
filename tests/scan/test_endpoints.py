"""The endpoint checks' decisions, called directly: answers in, issues out, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from actions.result import Severity
from actions.scan import endpoints
from actions.scan.endpoints import DEBUG_PATHS, EVIL_ORIGIN, Response, TlsFacts

URL = "https://shop.test/"
SAFE = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'self'",
    "referrer-policy": "strict-origin-when-cross-origin",
    "strict-transport-security": "max-age=63072000; includeSubDomains",
}
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def answer(status: int = 200, body: str = "", **headers: str) -> Response:
    return Response("GET", URL, status, {k.replace("_", "-"): v for k, v in headers.items()}, body)


def rules(issues: list[endpoints.Issue]) -> dict[str, Severity]:
    return {issue.rule: issue.severity for issue in issues}


def test_every_security_header_present_is_no_issue() -> None:
    assert endpoints.header_issues("shop", answer(**SAFE), https=True) == []


def test_each_missing_header_is_named_on_an_html_page() -> None:
    page = answer(**{"content-type": "text/html; charset=utf-8"})

    assert rules(endpoints.header_issues("shop", page, https=True)) == {
        "header:x-content-type-options": Severity.LOW,
        "header:frame-options": Severity.MEDIUM,
        "header:content-security-policy": Severity.MEDIUM,
        "header:strict-transport-security": Severity.LOW,
        "header:referrer-policy": Severity.LOW,
    }


def test_document_headers_matter_less_on_json() -> None:
    api = answer(**{"content-type": "application/json"})

    found = rules(endpoints.header_issues("shop", api, https=False))

    assert found["header:content-security-policy"] is Severity.LOW
    assert found["header:frame-options"] is Severity.LOW


def test_hsts_is_only_asked_of_https() -> None:
    headers = {k: v for k, v in SAFE.items() if k != "strict-transport-security"}

    assert endpoints.header_issues("shop", answer(**headers), https=False) == []
    assert rules(endpoints.header_issues("shop", answer(**headers), https=True)) == {
        "header:strict-transport-security": Severity.LOW
    }


@pytest.mark.parametrize(
    ("name", "value", "missing"),
    [
        ("x-frame-options", "ALLOW-FROM https://a.example", "header:frame-options"),
        ("x-content-type-options", "sniff", "header:x-content-type-options"),
        ("referrer-policy", "unsafe-url", "header:referrer-policy"),
        ("strict-transport-security", "max-age=0", "header:strict-transport-security"),
    ],
)
def test_a_header_with_a_weak_value_counts_as_missing(name: str, value: str, missing: str) -> None:
    found = endpoints.header_issues("shop", answer(**{**SAFE, name: value}), https=True)

    assert list(rules(found)) == [missing]


def test_csp_frame_ancestors_protects_from_framing_without_x_frame_options() -> None:
    headers = {**SAFE, "content-security-policy": "frame-ancestors 'none'"}
    del headers["x-frame-options"]

    assert endpoints.header_issues("shop", answer(**headers), https=True) == []


@pytest.mark.parametrize(
    ("allow_origin", "credentials", "severity"),
    [
        (EVIL_ORIGIN, "true", Severity.HIGH),
        (EVIL_ORIGIN, "", Severity.MEDIUM),
        ("*", "true", Severity.MEDIUM),
        ("*", "", None),
        ("https://shop.example", "true", None),
        ("", "", None),
    ],
)
def test_cors_that_lets_any_site_read_is_found(
    allow_origin: str, credentials: str, severity: Severity | None
) -> None:
    headers = {"access-control-allow-origin": allow_origin}
    if credentials:
        headers["access-control-allow-credentials"] = credentials

    found = endpoints.cors_issues("shop", answer(**headers))

    assert [i.severity for i in found] == ([severity] if severity else [])


DEBUG = next(p for p in DEBUG_PATHS if p.path == "/debug")
GIT = next(p for p in DEBUG_PATHS if p.path == "/.git/config")


@pytest.mark.parametrize(
    ("status", "body", "exposed"),
    [
        (200, "<h1>Debug</h1><pre>settings and environment</pre>", True),
        (200, "ok", False),
        (200, "   {}   ", False),
        (401, "<h1>Login required</h1> please sign in first", False),
        (403, "<h1>Forbidden</h1> you may not look at this page", False),
        (404, "<h1>Not Found</h1> the page does not exist here", False),
        (302, "<a href='/login'>redirecting to the login page</a>", False),
    ],
)
def test_a_debug_path_counts_when_it_answers_200_with_a_real_body(
    status: int, body: str, exposed: bool
) -> None:
    issue = endpoints.exposed_path_issue("shop", DEBUG, answer(status, body))

    assert (issue is not None) is exposed


def test_an_app_answering_every_path_with_one_page_exposes_nothing() -> None:
    page = "<html><body><div id=app></div><script src=/main.js></script></body></html>"

    issue = endpoints.exposed_path_issue("shop", DEBUG, answer(200, page), answer(200, page))

    assert issue is None


def test_an_exposed_path_says_what_it_is_without_quoting_its_body() -> None:
    body = "[core]\n\trepositoryformatversion = 0\n[remote]\n\turl = https://u:pw@git.example/x\n"

    issue = endpoints.exposed_path_issue("shop", GIT, answer(200, body))

    assert issue is not None
    assert (issue.severity, issue.message) == (
        Severity.HIGH,
        "git repository config exposed at /.git/config",
    )
    assert "it looks like a git repository config" in issue.evidence
    assert "pw@" not in issue.evidence


ERROR_PAGES = [
    (
        'Traceback (most recent call last):\n  File "app.py", line 3, in f\nKeyError',
        Severity.MEDIUM,
        "Python traceback",
    ),
    (
        "<title>TypeError // Werkzeug Debugger</title>",
        Severity.HIGH,
        "Werkzeug interactive debugger",
    ),
    ("you have <code>DEBUG = True</code> in your settings", Severity.HIGH, "Django debug page"),
    (
        "NullPointerException\n\tat com.shop.Orders.add(Orders.java:42)",
        Severity.MEDIUM,
        "Java stack trace",
    ),
    (
        "TypeError\n    at Object.<anonymous> (/srv/app/index.js:10:5)",
        Severity.MEDIUM,
        "Node.js stack trace",
    ),
    ("panic: boom\n\ngoroutine 1 [running]:\nmain.main()", Severity.MEDIUM, "Go panic"),
    ("sqlite3.OperationalError: no such table: orders", Severity.MEDIUM, "database error"),
]


@pytest.mark.parametrize(("body", "severity", "kind"), ERROR_PAGES)
def test_an_error_page_showing_internals_is_found(body: str, severity: Severity, kind: str) -> None:
    issue = endpoints.error_page_issue("shop", answer(500, body))

    assert issue is not None
    assert (issue.severity, issue.message) == (severity, f"error page shows a {kind}")


@pytest.mark.parametrize(
    "body",
    ['{"error": "internal error"}', "<h1>Something went wrong</h1>", "Bad Request", ""],
)
def test_a_generic_error_page_is_no_issue(body: str) -> None:
    assert endpoints.error_page_issue("shop", answer(500, body)) is None


def test_the_error_evidence_is_the_line_that_gives_it_away() -> None:
    body = '<html>\n<p>oops</p>\nTraceback (most recent call last):\n  File "x.py", line 1\n'

    issue = endpoints.error_page_issue("shop", answer(500, body))

    assert issue is not None
    assert issue.evidence == f"GET {URL} -> 500: Traceback (most recent call last):"


@pytest.mark.parametrize(
    ("facts", "found"),
    [
        (TlsFacts(URL, protocol="TLSv1.3", not_after=NOW + timedelta(days=90)), {}),
        (
            TlsFacts(URL, verify_error="self-signed certificate", protocol="TLSv1.3"),
            {"tls:certificate": Severity.HIGH},
        ),
        (
            TlsFacts(URL, protocol="TLSv1.3", legacy_protocol="TLSv1.1"),
            {"tls:protocol": Severity.HIGH},
        ),
        (TlsFacts(URL, protocol="TLSv1"), {"tls:protocol": Severity.HIGH}),
        (
            TlsFacts(URL, protocol="TLSv1.3", not_after=NOW + timedelta(days=5)),
            {"tls:expiry": Severity.MEDIUM},
        ),
        (
            TlsFacts(URL, protocol="TLSv1.3", not_after=NOW - timedelta(days=1)),
            {"tls:expiry": Severity.HIGH},
        ),
        (TlsFacts(URL, handshake_error="EOF occurred"), {"tls:handshake": Severity.HIGH}),
    ],
)
def test_tls_weaknesses_are_found(facts: TlsFacts, found: dict[str, Severity]) -> None:
    assert rules(endpoints.tls_issues("shop", facts, now=NOW, expiry_days=14)) == found


def test_one_problem_seen_on_several_paths_of_a_service_is_one_issue() -> None:
    bare = [
        *endpoints.header_issues("shop", Response("GET", "http://s/", 200), https=False),
        *endpoints.header_issues("shop", Response("GET", "http://s/api", 200), https=False),
        *endpoints.header_issues("cart", Response("GET", "http://c/", 200), https=False),
    ]

    kept = endpoints.dedupe(bare)

    assert len(kept) == len(bare) * 2 // 3
    assert {i.location for i in kept} == {"http://s/", "http://c/"}
