"""The fake's HTTP face: routing, bearer-token auth, JSON and Status answers, chunked watches.

Paths are the real ones (`/api/v1/namespaces/{ns}/pods`, `/apis/apps/v1/.../deployments/{name}`,
`/api/v1/pods` across namespaces) with the subresources `status`, `scale` and `log`.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes import kube_watch
from tests.fakes.kube_apiserver import ApiServer
from tests.fakes.kube_discovery import VERSION, discovery, scale_of
from tests.fakes.kube_errors import KubeError, bad_request, method_not_allowed, unauthorized
from tests.fakes.kube_objects import RESOURCES, Resource
from tests.fakes.kube_patch import MERGE, apply_patch
from tests.fakes.kube_select import Selector, field_selector, label_selector
from tests.fakes.kube_store import Obj

_ROUTE = re.compile(
    r"^/(?:api/(?P<core>v1)|apis/(?P<group>[^/]+)/(?P<version>[^/]+))"
    r"(?:/namespaces/(?P<ns>[^/]+))?/(?P<plural>[^/]+)(?:/(?P<name>[^/]+)(?:/(?P<sub>[^/]+))?)?$"
)
_NO_SUCH_PATH = KubeError(404, "NotFound", "the server could not find the requested resource")


@dataclass(frozen=True)
class Request:
    """One request the fake received (to assert e.g. that a watch, not polling, was used)."""

    method: str
    path: str
    query: dict[str, str]
    content_type: str = ""
    at: float = field(default_factory=time.monotonic)

    @property
    def watch(self) -> bool:
        return self.query.get("watch") in ("true", "1")


@dataclass
class Backend:
    """What the handler needs from the fake."""

    api: ApiServer
    read_log: Callable[[str, str, dict[str, str]], str]
    token: str | None
    on_write: Callable[[], None]
    bookmark_interval: float
    stopping: threading.Event = field(default_factory=threading.Event)
    requests: list[Request] = field(default_factory=list)


class KubeHTTPServer(ThreadingHTTPServer):
    """A threading server that can cut its open connections when the fake closes."""

    daemon_threads = True

    def __init__(self, backend: Backend) -> None:
        super().__init__(("127.0.0.1", 0), KubeHandler)
        self.backend = backend
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Condition()

    def drop_connections(self, timeout: float = 5.0) -> None:
        with self.connections_lock:
            for conn in list(self.connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
            self.connections_lock.wait_for(lambda: not self.connections, timeout)


def _route(
    path: str, crd_groups: Collection[str]
) -> tuple[Resource, str | None, str | None, str | None]:
    m = _ROUTE.match(path)
    r = RESOURCES.get(m["plural"]) if m else None
    if m is None or r is None or not r.served(crd_groups):
        raise _NO_SUCH_PATH
    group, version = ("", "v1") if m["core"] else (m["group"], m["version"])
    if (r.group, r.version) != (group, version) or (m["ns"] and not r.namespaced):
        raise _NO_SUCH_PATH
    return r, m["ns"], m["name"], m["sub"]


class KubeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: KubeHTTPServer

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)
                self.server.connections_lock.notify_all()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _serve(self) -> None:
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"  # the client asks for `/version/`, `/apis/`
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        backend = self.server.backend
        content_type = self.headers.get("Content-Type", "")
        backend.requests.append(Request(self.command, path, query, content_type))
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            if path in ("/healthz", "/livez", "/readyz"):
                return self._send(200, b"ok", "text/plain; charset=utf-8")
            if path == "/version":
                return self._json(200, VERSION)
            if backend.token and self.headers.get("Authorization") != f"Bearer {backend.token}":
                raise unauthorized()
            address = f"127.0.0.1:{self.server.server_port}"
            crd_groups = backend.api.crd_groups
            if (document := discovery(path, address, crd_groups)) is not None:
                return self._json(200, document)
            body = json.loads(raw) if raw.strip() else None
            self._resource(*_route(path, crd_groups), query, body)
        except json.JSONDecodeError as e:
            self._json(400, bad_request(f"invalid JSON in request body: {e}").status())
        except KubeError as e:
            self._json(e.code, e.status())
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _resource(
        self,
        r: Resource,
        ns: str | None,
        name: str | None,
        sub: str | None,
        query: dict[str, str],
        body: Any,
    ) -> None:
        api, method = self.server.backend.api, self.command
        if name is None:
            return self._collection(r, ns, query, body)
        if sub == "log" and r.plural == "pods" and method == "GET":
            text = self.server.backend.read_log(ns or "", name, query)
            return self._send(200, text.encode(), "text/plain; charset=utf-8")
        if sub == "scale" and r.plural in ("deployments", "replicasets"):
            return self._scale(r, ns, name, body)
        if sub not in (None, "status") or (sub == "status" and not r.status_subresource):
            raise _NO_SUCH_PATH
        if method == "GET":
            return self._json(200, api.read(r.plural, ns, name))
        if method == "PUT":
            return self._written(200, api.update(r.plural, ns, name, body or {}, sub))
        if method == "PATCH":
            content_type = self.headers.get("Content-Type", "")
            return self._written(200, api.patch(r.plural, ns, name, body, content_type, sub))
        if method == "DELETE" and sub is None:
            options = _delete_options(query, body)
            return self._written(200, api.delete(r.plural, ns, name, options))
        raise method_not_allowed()

    def _collection(self, r: Resource, ns: str | None, query: dict[str, str], body: Any) -> None:
        api, method = self.server.backend.api, self.command
        if method == "POST":
            return self._written(201, api.create(r.plural, ns, body or {}))
        if method not in ("GET", "DELETE"):
            raise method_not_allowed()
        selectors: list[Selector] = [
            label_selector(query.get("labelSelector")),
            field_selector(r.plural, query.get("fieldSelector")),
        ]
        if method == "GET" and query.get("watch") in ("true", "1"):
            return self._watch(r, ns, selectors, query)
        items, rv = api.list(r.plural, ns, selectors)
        if method == "DELETE":  # deletecollection
            for item in items:
                api.delete(r.plural, ns, item["metadata"]["name"], _delete_options(query, body))
            self.server.backend.on_write()
        for item in items if not r.crd else ():  # a typed list's items carry no kind
            item.pop("kind", None)
            item.pop("apiVersion", None)
        meta = {"resourceVersion": rv}
        self._json(
            200,
            {
                "kind": f"{r.kind}List",
                "apiVersion": r.api_version,
                "metadata": meta,
                "items": items,
            },
        )

    def _scale(self, r: Resource, ns: str | None, name: str, body: Any) -> None:
        api = self.server.backend.api
        if self.command in ("PUT", "PATCH"):
            new = body or {}
            if self.command == "PATCH":
                current = scale_of(api.read(r.plural, ns, name))
                new = apply_patch(current, body, self.headers.get("Content-Type", ""))
            patch: Obj = {"spec": {"replicas": (new.get("spec") or {}).get("replicas", 0)}}
            if rv := (new.get("metadata") or {}).get("resourceVersion"):
                patch["metadata"] = {"resourceVersion": rv}
            api.patch(r.plural, ns, name, patch, MERGE)
            self.server.backend.on_write()
        elif self.command != "GET":
            raise method_not_allowed()
        self._json(200, scale_of(api.read(r.plural, ns, name)))

    def _watch(
        self, r: Resource, ns: str | None, selectors: list[Selector], query: dict[str, str]
    ) -> None:
        kube_watch.check_watch(query)
        backend = self.server.backend
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        try:
            kube_watch.stream(
                self._chunk,
                backend.api.store,
                r,
                ns,
                selectors,
                query,
                stopping=backend.stopping,
                bookmark_interval=backend.bookmark_interval,
            )
            self._chunk(b"")
        except OSError:  # the client went away
            pass

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _written(self, code: int, obj: Obj) -> None:
        self.server.backend.on_write()
        self._json(code, obj)

    def _json(self, code: int, obj: Obj) -> None:
        self._send(code, json.dumps(obj).encode(), "application/json")

    def _send(self, code: int, data: bytes, content_type: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _delete_options(query: dict[str, str], body: Any) -> Obj:
    options = dict(body or {})
    if "gracePeriodSeconds" in query:
        options["gracePeriodSeconds"] = int(query["gracePeriodSeconds"])
    if "propagationPolicy" in query:
        options["propagationPolicy"] = query["propagationPolicy"]
    return options
