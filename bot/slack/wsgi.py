"""The one WSGI app on the serve port: `/slack/events` (Bolt), `/healthz` and `/metrics`."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from prometheus_client import make_wsgi_app
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.slack.metrics import SlackMetrics

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

EVENTS_PATH = "/slack/events"
MAX_BODY = 1024 * 1024  # Slack's payloads are far smaller; anything bigger is not Slack

Health = Callable[[], tuple[bool, dict[str, Any]]]


def make_wsgi(app: App | None, *, metrics: SlackMetrics, health: Health) -> WSGIApplication:
    """Route by path; `app` None (Socket Mode) leaves only health and metrics on HTTP."""
    bolt = SlackRequestHandler(app, path=EVENTS_PATH) if app is not None else None
    prometheus = make_wsgi_app(registry=metrics.registry)

    def route(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path == EVENTS_PATH and bolt is not None:
            return _timed(bolt, metrics, environ, start_response)
        if path == "/healthz":
            ok, data = health()
            return _json(start_response, "200 OK" if ok else "503 Service Unavailable", data)
        if path == "/metrics":
            return prometheus(environ, start_response)
        return _json(start_response, "404 Not Found", {"error": f"nothing at {path}"})

    return route


def _timed(
    bolt: SlackRequestHandler,
    metrics: SlackMetrics,
    environ: WSGIEnvironment,
    start_response: StartResponse,
) -> Iterable[bytes]:
    started = time.perf_counter()
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0 or length > MAX_BODY:
        return _json(start_response, "413 Request Entity Too Large", {"error": "body too large"})
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    result = list(bolt(environ, start_response))
    metrics.ack_seconds.labels(kind=_kind(body)).observe(time.perf_counter() - started)
    return result


def _kind(body: bytes) -> str:
    if body.startswith(b"{"):
        return "event"
    if body.startswith(b"payload=") or b"&payload=" in body:
        return "interaction"
    if b"command=" in body:
        return "command"
    return "other"


def _json(start_response: StartResponse, status: str, data: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(data).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]
