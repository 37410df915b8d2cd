"""A fake Microsoft Teams incoming webhook over real HTTP on 127.0.0.1 (port 0).

`POST /webhookb2/<anything>` answers as a legacy Office 365 connector does (200, text `1`);
`POST /workflows/<anything>` as a Power Automate "Workflows" trigger does (202, no body). Both
validate the message the way Teams does for an Adaptive Card: JSON with `type == "message"` and
one attachment of the adaptive content type whose content is an `AdaptiveCard` with a `body` list,
else 400 with a plain reason; a body over 28 KB gets 413. Every request is recorded. `fail(status,
times, retry_after=...)` scripts the next answers (429 with Retry-After, 500, ...).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.loopback import Loopback, Served

LIMIT = 28 * 1024
ADAPTIVE = "application/vnd.microsoft.card.adaptive"


@dataclass(frozen=True)
class Posted:
    """One request the fake received, and what it answered."""

    path: str
    headers: dict[str, str]  # names lower-case
    body: bytes
    status: int

    def json(self) -> Any:
        return json.loads(self.body)


class FakeTeams(Served):
    """Start it (or use it as a context manager), then post to `legacy_url` or `workflows_url`."""

    def __init__(self) -> None:
        self.requests: list[Posted] = []
        self._script: list[tuple[int, float | None]] = []
        self._lock = threading.Lock()
        self.http = Loopback(_handler(self))

    @property
    def legacy_url(self) -> str:
        return f"{self.url}/webhookb2/0c1d-team@tenant/IncomingWebhook/abc123/owner/SECRETSIG"

    @property
    def workflows_url(self) -> str:
        return (
            f"{self.url}/workflows/42ab/triggers/manual/paths/invoke"
            "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SECRETSIG"
        )

    def fail(self, status: int, times: int = 1, *, retry_after: float | None = None) -> None:
        """Answer the next `times` requests with `status` (and a Retry-After header if given)."""
        with self._lock:
            self._script.extend([(status, retry_after)] * times)

    def accepted(self) -> list[Posted]:
        return [r for r in self.requests if r.status in (200, 202)]

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        with self._lock:
            scripted = self._script.pop(0) if self._script else None
        headers: dict[str, str] = {}
        if scripted:
            status, text = scripted[0], f"scripted failure {scripted[0]}"
            if scripted[1] is not None:
                headers["Retry-After"] = f"{scripted[1]:g}"
        elif path.startswith("/webhookb2/"):
            status, text = self._judge(body, ok=(200, "1"))
        elif path.startswith("/workflows/"):
            status, text = self._judge(body, ok=(202, ""))
        else:
            status, text = 404, "Not Found"
        lowered = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            self.requests.append(Posted(path, lowered, body, status))
        data = text.encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "text/plain; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _judge(self, body: bytes, *, ok: tuple[int, str]) -> tuple[int, str]:
        if len(body) > LIMIT:
            return 413, f"message too large: {len(body)} bytes (limit {LIMIT})"
        problem = card_problem(body)
        return (400, problem) if problem else ok


def card_problem(body: bytes) -> str | None:
    """Why Teams would refuse this body as an Adaptive Card message, or None."""
    try:
        message = json.loads(body)
    except ValueError:
        return "Bad payload received by generic incoming webhook: not JSON"
    if not isinstance(message, dict) or message.get("type") != "message":
        return "Property 'type' must be 'message'"
    attachments = message.get("attachments")
    if not isinstance(attachments, list) or len(attachments) != 1:
        return "Exactly one attachment is expected"
    attachment = attachments[0]
    if not isinstance(attachment, dict) or attachment.get("contentType") != ADAPTIVE:
        return f"The attachment's contentType must be {ADAPTIVE}"
    card = attachment.get("content")
    if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
        return "Property 'type' must be 'AdaptiveCard'"
    if not isinstance(card.get("body"), list):
        return "The card's body must be a list"
    return None


def _handler(fake: FakeTeams) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            fake._handle(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
