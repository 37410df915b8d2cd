"""A fake Jira (Server, REST API v2) over real HTTP on 127.0.0.1, stateful, for the `jira` client.

It answers what the client and the Jira tracker call: `serverInfo`, `field`, issue create, read
and edit, JQL search (a subset: `project = X`, `labels = "l"`, `statusCategory [!]= Done`,
`key = K` joined by AND, `ORDER BY` ignored), comments and transitions (To Do -> In Progress ->
Done, and Reopen). Every request needs HTTP basic auth with the configured user and token, or a
bearer token (401 otherwise). Requests are recorded with their bodies; knobs make the server slow
(`delay`), fail (`fail`) or go away (`down`).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

Answer = tuple[int, Any]

STATUSES = {
    "To Do": {"key": "new", "name": "To Do", "id": 2},
    "In Progress": {"key": "indeterminate", "name": "In Progress", "id": 4},
    "Done": {"key": "done", "name": "Done", "id": 3},
}
TRANSITIONS = {  # status -> [(id, name, to)]
    "To Do": [("11", "In Progress", "In Progress"), ("31", "Done", "Done")],
    "In Progress": [("31", "Done", "Done"), ("21", "To Do", "To Do")],
    "Done": [("41", "Reopen", "To Do")],
}
FIELDS = ["summary", "description", "project", "issuetype", "priority", "components", "labels"]


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int
    at: float = field(default_factory=time.monotonic)


class BadJql(Exception):
    pass


def parse_jql(jql: str) -> list[tuple[str, str, str]]:
    """Clauses `(field, op, value)` of an AND-only JQL query; `BadJql` for anything else."""
    text = re.split(r"\s+ORDER\s+BY\s+", jql.strip(), flags=re.IGNORECASE)[0]
    clause = re.compile(r'\s*(\w+)\s*(!=|=)\s*("(?:[^"\\]|\\.)*"|[\w.-]+)\s*')
    clauses, pos = [], 0
    while True:
        match = clause.match(text, pos)
        if not match:
            raise BadJql(f"Error in the JQL Query: cannot read {text[pos : pos + 20]!r}")
        value = match.group(3)
        clauses.append((match.group(1), match.group(2), value.strip('"').replace('\\"', '"')))
        pos = match.end()
        if pos == len(text):
            return clauses
        joiner = re.compile(r"AND\s+", re.IGNORECASE).match(text, pos)
        if not joiner:
            raise BadJql(f"Error in the JQL Query: only AND is supported, at {text[pos:]!r}")
        pos = joiner.end()


class FakeJira:
    """Point `JIRA(server=fake.url, basic_auth=(fake.user, fake.token))` at it."""

    def __init__(self, *, user: str = "bot@example.com", token: str = "jira-token") -> None:
        self.user, self.token = user, token
        self.issues: dict[str, dict[str, Any]] = {}  # key -> issue JSON (with "comments")
        self.requests: list[Recorded] = []
        self.delay = 0.0
        self._failures: list[int] = []
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._address: tuple[str, int] | None = None

    # --- lifecycle and knobs ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._address, "start the fake first"
        return f"http://{self._address[0]}:{self._address[1]}"

    def start(self) -> Self:
        fake = self

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

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        self._server = Server(("127.0.0.1", 0), Handler)
        self._address = self._server.server_address[:2]  # type: ignore[assignment]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    down = stop

    def fail(self, status: int = 503, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what tests look at ----------------------------------------------------------------------

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    def everything_sent(self) -> str:
        """Every request body and query string the fake received, as one text."""
        return "\n".join(json.dumps(r.body) + json.dumps(r.params) for r in self.requests)

    def set_status(self, key: str, status: str) -> None:
        """A person moved the issue in Jira."""
        with self._lock:
            self.issues[key]["fields"]["status"] = self._status(status)

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
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
            if failure:
                status, answer = failure, {"errorMessages": [f"fake failure {failure}"]}
            elif not self._authorized(headers.get("authorization", "")):
                status, answer = 401, {"errorMessages": ["You are not authenticated."]}
            else:
                try:
                    status, answer = self._answer(method, url.path, params, body)
                except BadJql as exc:
                    status, answer = 400, {"errorMessages": [str(exc)], "errors": {}}
            self.requests.append(Recorded(method, url.path, params, headers, body, status))
        data = b"" if answer is None else json.dumps(answer).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json;charset=UTF-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _answer(self, method: str, path: str, params: dict[str, str], body: Any) -> Answer:
        api = "/rest/api/2/"
        if not path.startswith(api):
            return 404, {"errorMessages": ["not found"]}
        route = (method, path.removeprefix(api).rstrip("/"))
        if route == ("GET", "serverInfo"):
            return 200, self._server_info()
        if route == ("GET", "field"):
            return 200, [
                {"id": f, "name": f.title(), "custom": False, "clauseNames": [f]} for f in FIELDS
            ]
        if route == ("POST", "issue"):
            return self._create(body or {})
        if route[1] == "search":
            query = body if method == "POST" else params
            return self._search(query or {})
        match = re.fullmatch(r"issue/([^/]+)(?:/(comment|transitions))?", route[1])
        if not match:
            return 404, {"errorMessages": [f"no route {method} {path}"]}
        issue = self._find(match.group(1))
        if issue is None:
            return 404, {"errorMessages": ["Issue Does Not Exist"], "errors": {}}
        sub = match.group(2)
        if sub is None and method == "GET":
            return 200, self._public(issue)
        if sub is None and method == "PUT":
            issue["fields"].update((body or {}).get("fields") or {})
            return 204, None
        if sub == "comment" and method == "POST":
            return 201, self._add_comment(issue, str((body or {}).get("body", "")))
        if sub == "comment":
            comments = issue["comments"]
            return 200, {
                "startAt": 0,
                "maxResults": 50,
                "total": len(comments),
                "comments": comments,
            }
        if sub == "transitions" and method == "GET":
            return 200, {"expand": "transitions", "transitions": self._transitions(issue)}
        if sub == "transitions" and method == "POST":
            return self._transition(issue, body or {})
        return 405, {"errorMessages": ["method not allowed"]}

    # --- behaviour --------------------------------------------------------------------------------

    def _server_info(self) -> dict[str, Any]:
        return {
            "baseUrl": self.url,
            "version": "9.12.2",
            "versionNumbers": [9, 12, 2],
            "deploymentType": "Server",
            "buildNumber": 9120002,
            "serverTitle": "Fake Jira",
        }

    def _status(self, name: str) -> dict[str, Any]:
        category = STATUSES[name]
        return {"name": name, "id": str(category["id"]), "statusCategory": dict(category)}

    def _find(self, key_or_id: str) -> dict[str, Any] | None:
        return self.issues.get(key_or_id) or next(
            (i for i in self.issues.values() if i["id"] == key_or_id), None
        )

    def _public(self, issue: dict[str, Any]) -> dict[str, Any]:
        fields = {**issue["fields"], "comment": {"comments": issue["comments"]}}
        return {k: v for k, v in issue.items() if k != "comments"} | {"fields": fields}

    def _create(self, body: dict[str, Any]) -> Answer:
        fields = dict(body.get("fields") or {})
        missing = [f for f in ("project", "issuetype", "summary") if not fields.get(f)]
        if missing:
            return 400, {"errorMessages": [], "errors": {f: f"{f} is required." for f in missing}}
        if " " in "".join(fields.get("labels") or []):
            return 400, {"errorMessages": [], "errors": {"labels": "no spaces in labels"}}
        project = fields["project"].get("key") or "PP"
        number = len(self.issues) + 1
        key, issue_id = f"{project}-{number}", str(10000 + number)
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime())
        fields.update(status=self._status("To Do"), created=now, updated=now)
        fields.setdefault("labels", [])
        self.issues[key] = {
            "id": issue_id,
            "key": key,
            "self": f"{self.url}/rest/api/2/issue/{issue_id}",
            "fields": fields,
            "comments": [],
        }
        return 201, {"id": issue_id, "key": key, "self": self.issues[key]["self"]}

    def _search(self, query: dict[str, Any]) -> Answer:
        clauses = parse_jql(str(query.get("jql", "")))
        found = [i for i in self.issues.values() if all(_holds(c, i) for c in clauses)]
        start, limit = int(query.get("startAt") or 0), int(query.get("maxResults") or 50)
        page = [self._public(i) for i in found[start : start + limit]]
        return 200, {"startAt": start, "maxResults": limit, "total": len(found), "issues": page}

    def _add_comment(self, issue: dict[str, Any], body: str) -> dict[str, Any]:
        number = sum(len(i["comments"]) for i in self.issues.values()) + 1
        comment = {
            "id": str(number),
            "self": f"{issue['self']}/comment/{number}",
            "body": body,
            "author": {"name": self.user},
            "created": time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime()),
        }
        issue["comments"].append(comment)
        return comment

    def _transitions(self, issue: dict[str, Any]) -> list[dict[str, Any]]:
        current = issue["fields"]["status"]["name"]
        return [
            {"id": tid, "name": name, "to": self._status(to)}
            for tid, name, to in TRANSITIONS[current]
        ]

    def _transition(self, issue: dict[str, Any], body: dict[str, Any]) -> Answer:
        wanted = str((body.get("transition") or {}).get("id", ""))
        current = issue["fields"]["status"]["name"]
        target = next((to for tid, _, to in TRANSITIONS[current] if tid == wanted), None)
        if target is None:
            return 400, {"errorMessages": [f"Transition id '{wanted}' is not valid"]}
        issue["fields"]["status"] = self._status(target)
        for change in (body.get("update") or {}).get("comment") or []:
            self._add_comment(issue, str(change.get("add", {}).get("body", "")))
        return 204, None


def _holds(clause: tuple[str, str, str], issue: dict[str, Any]) -> bool:
    name, op, value = clause
    fields = issue["fields"]
    if name == "project":
        actual = [fields["project"].get("key", "")]
    elif name == "labels":
        actual = list(fields.get("labels") or [])
    elif name == "statusCategory":
        category = fields["status"]["statusCategory"]
        actual = [category["name"], category["key"]]
    elif name == "key":
        actual = [issue["key"]]
    else:
        raise BadJql(f"Field '{name}' does not exist or you do not have permission to view it.")
    present = value.lower() in (a.lower() for a in actual)
    return present if op == "=" else not present
