"""A threaded HTTP server with simple routing, JSON bodies, a log line and metrics per request."""

from __future__ import annotations

import argparse
import json
import re
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from shoplib.logs import JsonLogger, exception_fields
from shoplib.metrics import Metrics

MAX_BODY = 1_000_000


class HTTPError(Exception):
    """Raised by a handler to answer with an error status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body decoded as JSON; a 400 if it is not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError as error:
            raise HTTPError(400, "the body is not valid JSON") from error


Handler = Callable[[Request], tuple[int, Any]]


@dataclass
class Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler


class App:
    """Routes of one service, plus `/healthz` and `/metrics`."""

    def __init__(self, service: str, version: str) -> None:
        self.service = service
        self.version = version
        self.log = JsonLogger(service, version)
        self.metrics = Metrics(service, version)
        self.routes: list[Route] = []
        self.route("GET", "/healthz")(self._health)

    def route(self, method: str, template: str) -> Callable[[Handler], Handler]:
        """Register a handler for `method` on `template`, e.g. `/products/{id}`."""
        regex = "".join(
            f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
            for part in re.split(r"(\{\w+\})", template)
        )

        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method, template, re.compile(f"^{regex}$"), handler))
            return handler

        return register

    def _health(self, request: Request) -> tuple[int, Any]:
        return 200, {"status": "ok", "service": self.service, "version": self.version}

    def dispatch(self, method: str, target: str, body: bytes) -> tuple[int, Any, str, dict]:
        """Answer one request: status, JSON body, route template and log fields of an error."""
        parts = urlsplit(target)
        known_path = False
        for route in self.routes:
            match = route.pattern.match(parts.path)
            if not match:
                continue
            known_path = True
            if route.method != method:
                continue
            request = Request(
                method, parts.path, match.groupdict(), dict(parse_qsl(parts.query)), body
            )
            try:
                status, payload = route.handler(request)
                return status, payload, route.template, {}
            except HTTPError as error:
                return error.status, {"error": error.message}, route.template, {}
            except (
                Exception
            ) as error:  # any bug must become a 500 and a log line, not a dead thread
                return 500, {"error": "internal error"}, route.template, exception_fields(error)
        if known_path:
            return 405, {"error": f"{method} is not allowed here"}, "unmatched", {}
        return 404, {"error": f"no route for {parts.path}"}, "unmatched", {}


def _handler_class(app: App) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = f"shop-{app.service}/{app.version}"

        def do_GET(self) -> None:
            self._answer()

        do_POST = do_PUT = do_DELETE = do_GET

        def log_message(self, format: str, *args: Any) -> None:
            """Silenced: every request gets a JSON log line instead."""

        def _answer(self) -> None:
            start = time.perf_counter()
            length = int(self.headers.get("Content-Length") or 0)
            if self.path.split("?")[0] == "/metrics":
                self._send(200, app.metrics.render(), app.metrics.content_type)
                return
            if length > MAX_BODY:
                status, payload, route, failure = 413, {"error": "body too large"}, "unmatched", {}
                self.close_connection = True
            else:
                body = self.rfile.read(length) if length else b""
                status, payload, route, failure = app.dispatch(self.command, self.path, body)
            elapsed = time.perf_counter() - start
            app.metrics.observe(self.command, route, status, elapsed)
            # logged before answering, so a client that got its answer finds the log line
            if route != "/healthz":
                self._log(status, elapsed, failure)
            self._send(status, json.dumps(payload).encode(), "application/json")

        def _log(self, status: int, elapsed: float, failure: dict[str, str]) -> None:
            fields = {
                "method": self.command,
                "path": self.path,
                "status": status,
                "duration_ms": round(elapsed * 1000, 1),
                **failure,
            }
            if status >= 500:
                app.log.error("request failed", **fields)
            else:
                app.log.info("request", **fields)

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in SECURITY_HEADERS.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return _Handler


# An API that serves JSON to scripts and pages of other origins it does not frame: what
# `preprod scan` checks for (a release without them gets low findings).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default of 5 drops connections under light load


def parse_args(service: str, *extra: tuple[str, dict[str, Any]]) -> argparse.Namespace:
    """The command line every service takes: --host, --port, --db and its own options."""
    parser = argparse.ArgumentParser(prog=service, description=f"the shop's {service} service")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 lets the OS choose")
    parser.add_argument("--db", default=f"{service}.db", help="path of its sqlite database")
    for flag, options in extra:
        parser.add_argument(flag, **options)
    return parser.parse_args()


def serve(app: App, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT, then stop cleanly."""
    server = _Server((host, port), _handler_class(app))

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    bound_host, bound_port = server.server_address[:2]
    app.log.info("listening", url=f"http://{bound_host}:{bound_port}")
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        app.log.info("stopped")
