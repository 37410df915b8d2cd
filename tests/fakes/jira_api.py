"""A fake Jira (REST API v2) over real HTTP on 127.0.0.1, stateful, for the `jira` client.

It answers what the client and the Jira tracker call: `serverInfo`, `field`, issue create, read
and edit, comments and transitions (`jira_issues`), and JQL search (`jira_search`): as a Server
(`deployment="Server"`: `/search` by offset) or as Cloud (`deployment="Cloud"`: `/search/jql` by
token under `/rest/api/2/` and `/rest/api/3/`, and the old `/search` is 410 Gone). Every request
needs HTTP basic auth with the configured user and token, or a bearer token (401 otherwise).
Requests are recorded with their bodies. Knobs make the server slow (`delay`), answer an error
(`fail`, with a `Retry-After` if asked), handle a request but hang up without answering (`drop`),
refuse connections for a while after a request (`refuse_after`) or go away (`down`).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal, Self

from tests.fakes.jira_issues import FIELDS, Issues, status
from tests.fakes.jira_search import REMOVED, BadJql, Searches
from tests.fakes.loopback import Loopback

Answer = tuple[int, Any]


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int
    at: float = field(default_factory=time.monotonic)


@dataclass
class _Trigger:
    method: str
    path: str  # a regular expression the whole path matches
    times: int = 1
    seconds: float = 0.0

    def fires(self, method: str, path: str) -> bool:
        if self.times <= 0 or method != self.method or not re.fullmatch(self.path, path):
            return False
        self.times -= 1
        return True


class FakeJira:
    """Point `JIRA(server=fake.url, basic_auth=(fake.user, fake.token))` at it."""

    def __init__(
        self,
        *,
        user: str = "bot@example.com",
        token: str = "jira-token",
        deployment: Literal["Server", "Cloud"] = "Server",
    ) -> None:
        self.user, self.token, self.deployment = user, token, deployment
        self.store = Issues(author=user)
        self.search = Searches(self.store.public)
        self.requests: list[Recorded] = []
        self.delay = 0.0
        self._failures: list[tuple[int, str | None]] = []
        self._drops: list[_Trigger] = []
        self._refusals: list[_Trigger] = []
        self._lock = threading.RLock()
        self.http = Loopback(_handler(self))  # the same port when started again
        self._reopen: threading.Timer | None = None
        self._closed = False

    # --- lifecycle and knobs ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.http.url

    @property
    def issues(self) -> dict[str, dict[str, Any]]:
        """Issues by key, as stored (with their `comments`)."""
        return self.store.by_key

    def start(self) -> Self:
        self.http.start()
        self.store.base_url = self.url
        return self

    def stop(self) -> None:
        self.http.close()

    down = stop

    def fail(self, status: int = 503, times: int = 1, *, retry_after: str | None = None) -> None:
        """Answer the next `times` requests with `status` (and a `Retry-After` header)."""
        with self._lock:
            self._failures.extend([(status, retry_after)] * times)

    def drop(self, method: str, path: str, times: int = 1) -> None:
        """Handle the next matching requests, then hang up without answering."""
        with self._lock:
            self._drops.append(_Trigger(method, path, times))

    def refuse_after(self, method: str, path: str, seconds: float) -> None:
        """After answering the next matching request, refuse connections for `seconds`."""
        with self._lock:
            self._refusals.append(_Trigger(method, path, 1, seconds))

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._closed = True
            if self._reopen is not None:
                self._reopen.cancel()
        self.stop()

    # --- what tests look at ----------------------------------------------------------------------

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    def everything_sent(self) -> str:
        """Every request body and query string the fake received, as one text."""
        return "\n".join(json.dumps(r.body) + json.dumps(r.params) for r in self.requests)

    def set_status(self, key: str, name: str) -> None:
        """A person moved the issue in Jira."""
        with self._lock:
            self.issues[key]["fields"]["status"] = status(name)

    # --- HTTP -------------------------------------------------------------------------------------

    def _authorized(self, header: str) -> bool:
        expected = base64.b64encode(f"{self.user}:{self.token}".encode()).decode()
        return header in (f"Basic {expected}", f"Bearer {self.token}")

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urllib.parse.urlsplit(handler.path)
        params = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        headers = {key.lower(): value for key, value in handler.headers.items()}
        length = int(headers.get("content-length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        if self.delay:
            time.sleep(self.delay)
        extra: dict[str, str] = {}
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
            if failure:
                status, answer = failure[0], {"errorMessages": [f"fake failure {failure[0]}"]}
                extra = {"Retry-After": failure[1]} if failure[1] is not None else {}
            elif not self._authorized(headers.get("authorization", "")):
                status, answer = 401, {"errorMessages": ["You are not authenticated."]}
            else:
                try:
                    status, answer = self._answer(method, url.path, params, body)
                except BadJql as exc:
                    status, answer = 400, {"errorMessages": [str(exc)], "errors": {}}
            self.requests.append(Recorded(method, url.path, params, headers, body, status))
            dropped = any(t.fires(method, url.path) for t in self._drops)
            refusal = next((t for t in self._refusals if t.fires(method, url.path)), None)
        if dropped:
            handler.close_connection = True
            return
        if refusal is not None:
            self._refuse_for(refusal.seconds)
            handler.close_connection = True
            extra["Connection"] = "close"
        data = b"" if answer is None else json.dumps(answer).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json;charset=UTF-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _refuse_for(self, seconds: float) -> None:
        """Close the listening socket now (before answering) and open it again later."""
        self.stop()

        def reopen() -> None:
            with self._lock:
                if not self._closed:
                    self.start()

        with self._lock:
            self._reopen = threading.Timer(seconds, reopen)
            self._reopen.start()

    def _answer(self, method: str, path: str, params: dict[str, str], body: Any) -> Answer:
        cloud = self.deployment == "Cloud"
        match = re.fullmatch(r"/rest/api/([23])/(.+?)/?", path)
        if not match:
            return 404, {"errorMessages": [f"no route {method} {path}"]}
        version, rest = match.groups()
        if version == "3" and not (cloud and rest.startswith("search")):  # v3 here: search only
            return 404, {"errorMessages": [f"no route {method} {path}"]}
        route = (method, rest)
        query = (body if method == "POST" else params) or {}
        if route == ("GET", "serverInfo"):
            return 200, self._server_info()
        if route == ("GET", "field"):
            return 200, [
                {"id": f, "name": f.title(), "custom": False, "clauseNames": [f]} for f in FIELDS
            ]
        if route == ("POST", "issue"):
            return self.store.create(body or {})
        if route[1] == "search":
            if cloud:
                return 410, {"errorMessages": [REMOVED], "errors": {}}
            return self.search.by_offset(self.issues.values(), query)
        if route[1] == "search/jql" and cloud:
            return self.search.by_token(self.issues.values(), query)
        issue = re.fullmatch(r"issue/([^/]+)(?:/(comment|transitions))?", route[1])
        if not issue:
            return 404, {"errorMessages": [f"no route {method} {path}"]}
        return self.store.answer(method, issue.group(1), issue.group(2), body)

    def _server_info(self) -> dict[str, Any]:
        if self.deployment == "Cloud":
            version, numbers = "1001.0.0-SNAPSHOT", [1001, 0, 0]
        else:
            version, numbers = "9.12.2", [9, 12, 2]
        return {
            "baseUrl": self.url,
            "version": version,
            "versionNumbers": numbers,
            "deploymentType": self.deployment,
            "buildNumber": 100291 if self.deployment == "Cloud" else 9120002,
            "serverTitle": "Fake Jira",
        }


def _handler(fake: FakeJira) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            fake._handle(self, "GET")

        def do_POST(self) -> None:
            fake._handle(self, "POST")

        def do_PUT(self) -> None:
            fake._handle(self, "PUT")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
