"""A fake CI over real HTTP on 127.0.0.1: GitHub's workflow dispatch, GitLab's pipeline trigger
and plain webhooks, answering as the real APIs do.

- `POST /repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches` (register with
  `workflow()`): `Authorization: Bearer <token>` or 401 `Bad credentials`; an unknown workflow is
  404; the body must be JSON (400) with a string `ref` that exists and `inputs` of strings, at most
  `max_inputs` of them (422); a workflow without a `workflow_dispatch` trigger is 422; 204 empty.
- `POST /api/v4/projects/{id}/trigger/pipeline` (register with `project()`): form-encoded `token`,
  `ref` and `variables[KEY]`; a wrong token or unknown project is 404 `404 Not Found` as GitLab
  answers; a missing ref is 400; 201 with the pipeline (`id`, `status`, `ref`, `web_url`).
- `POST /hooks/{name}`: any JSON body is 200 (a Bearer `hook_token` is checked when set).

Scripted faults apply to the next requests, before routing, as a proxy in front of the CI would:
`fail_next(status, times=, retry_after=, body=)` and `delay_next(seconds)` (then the normal answer,
so a client that timed out still started the pipeline). Every request is recorded in `requests`.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl

from tests.fakes.loopback import Loopback, Served

_DISPATCH = re.compile(r"^/repos/([^/]+)/([^/]+)/actions/workflows/([^/]+)/dispatches$")
_TRIGGER = re.compile(r"^/api/v4/projects/([^/]+)/trigger/pipeline$")
_HOOK = re.compile(r"^/hooks/([^/]+)$")
_DOCS = "https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event"
Answer = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class Request:
    """One request the fake received (header names lower-case) and the status it answered."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclass
class _Fault:
    status: int | None = None
    retry_after: str | None = None
    body: Any = None
    delay: float = 0.0


@dataclass
class _Workflow:
    dispatch: bool
    refs: tuple[str, ...]
    dispatched: list[dict[str, Any]] = field(default_factory=list)


class FakeCI(Served):
    """Start it (or use it as a context manager); point the promotion url at `fake.url`."""

    def __init__(self, *, token: str = "ci-test-token", max_inputs: int = 10) -> None:
        self.token = token
        self.hook_token: str | None = None
        self.max_inputs = max_inputs
        self.requests: list[Request] = []
        self.workflows: dict[tuple[str, str, str], _Workflow] = {}
        self.projects: dict[str, tuple[str, ...]] = {}
        self.pipelines: list[dict[str, Any]] = []
        self.hooks: list[tuple[str, Any]] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ids = itertools.count(1001)
        self.http = Loopback(_handler_for(self))

    def close(self) -> None:
        self._stopping.set()
        super().close()

    def workflow(
        self, repo: str, name: str, *, dispatch: bool = True, refs: tuple[str, ...] = ("main",)
    ) -> str:
        """Register a workflow of `repo` ("owner/name"); returns its dispatch URL."""
        owner, _, short = repo.partition("/")
        self.workflows[(owner, short, name)] = _Workflow(dispatch, refs)
        return f"{self.url}/repos/{repo}/actions/workflows/{name}/dispatches"

    def dispatched(self, repo: str, name: str) -> list[dict[str, Any]]:
        """The dispatches a registered workflow received (`ref`, `inputs`)."""
        owner, _, short = repo.partition("/")
        return self.workflows[(owner, short, name)].dispatched

    def project(self, project_id: str, *, refs: tuple[str, ...] = ("main",)) -> str:
        """Register a GitLab project; returns its pipeline trigger URL."""
        self.projects[project_id] = refs
        return f"{self.url}/api/v4/projects/{project_id}/trigger/pipeline"

    def fail_next(
        self, status: int, *, times: int = 1, retry_after: str | None = None, body: Any = None
    ) -> None:
        """Answer `status` to the next `times` requests (with Retry-After and `body` if given)."""
        with self._lock:
            self._faults.extend(_Fault(status, retry_after, body) for _ in range(times))

    def delay_next(self, seconds: float, *, times: int = 1) -> None:
        """Answer the next `times` requests normally, but only after `seconds`."""
        with self._lock:
            self._faults.extend(_Fault(delay=seconds) for _ in range(times))

    # answering ---------------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        with self._lock:
            fault = self._faults.pop(0) if self._faults else _Fault()
        if fault.status is not None:
            extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            answer = _json(fault.status, fault.body or {"message": "Service Unavailable"}, extra)
        else:
            answer = self._route(path, headers, body)
        with self._lock:
            self.requests.append(Request(method, path, headers, body, answer[0]))
        if fault.delay:
            self._stopping.wait(fault.delay)
        return answer

    def _route(self, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if match := _DISPATCH.match(path):
            return self._dispatch(match.groups(), headers, body)
        if match := _TRIGGER.match(path):
            return self._trigger(match.group(1), body)
        if match := _HOOK.match(path):
            if self.hook_token and headers.get("authorization") != f"Bearer {self.hook_token}":
                return _json(401, {"error": "unauthorized"})
            try:
                self.hooks.append((match.group(1), json.loads(body)))
            except ValueError:
                return _json(400, {"error": "the body is not JSON"})
            return _json(200, {"ok": True})
        return _json(404, {"message": "Not Found"})

    def _dispatch(self, key: tuple[str, ...], headers: dict[str, str], body: bytes) -> Answer:
        if headers.get("authorization") != f"Bearer {self.token}":
            return _github(401, "Bad credentials")
        workflow = self.workflows.get((key[0], key[1], key[2]))
        if workflow is None:
            return _github(404, "Not Found")
        try:
            data = json.loads(body)
        except ValueError:
            return _github(400, "Problems parsing JSON")
        ref, inputs = data.get("ref"), data.get("inputs", {})
        if not isinstance(ref, str):
            return _github(422, 'Invalid request.\n\n"ref" wasn\'t supplied.')
        bad = [k for k, v in inputs.items() if not isinstance(v, str)]
        if bad:
            return _github(422, f"Invalid request.\n\nFor 'properties/{bad[0]}', not a string.")
        if len(inputs) > self.max_inputs:
            return _github(422, f"you may only define up to {self.max_inputs} `inputs`")
        if not workflow.dispatch:
            return _github(422, "Workflow does not have 'workflow_dispatch' trigger")
        if ref not in workflow.refs:
            return _github(422, f"No ref found for: {ref}")
        workflow.dispatched.append({"ref": ref, "inputs": inputs})
        return 204, {}, b""

    def _trigger(self, project_id: str, body: bytes) -> Answer:
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        if form.get("token") != self.token or project_id not in self.projects:
            return _json(404, {"message": "404 Not Found"})
        ref = form.get("ref")
        if not ref:
            return _json(400, {"error": "ref is missing"})
        if ref not in self.projects[project_id]:
            return _json(400, {"message": {"base": ["Reference not found"]}})
        variables = {
            k[len("variables[") : -1]: v for k, v in form.items() if k.startswith("variables[")
        }
        number = next(self._ids)
        pipeline = {
            "id": number,
            "iid": number - 1000,
            "project_id": project_id,
            "ref": ref,
            "status": "created",
            "source": "trigger",
            "web_url": f"{self.url}/group/project-{project_id}/-/pipelines/{number}",
        }
        self.pipelines.append(pipeline | {"variables": variables})
        return _json(201, pipeline)


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return status, {"Content-Type": "application/json", **(headers or {})}, data


def _github(status: int, message: str) -> Answer:
    return _json(status, {"message": message, "documentation_url": _DOCS, "status": str(status)})


def _handler_for(fake: FakeCI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, extra, data = fake.handle("POST", self.path, headers, raw)
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            if status != 204:  # a 204 carries no body and no Content-Length
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
