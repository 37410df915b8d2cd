"""A fake Slack: the Web API over real HTTP on 127.0.0.1, and a Socket Mode WebSocket server.

`FakeSlackAPI` records every call (method, merged query/form/JSON params, headers, body, the status
it answered) and answers the way Slack does for the methods a bot uses: `auth.test`,
`chat.postMessage`, `chat.update`, `chat.postEphemeral`, `users.info`, `usergroups.users.list`,
the three calls of `files_upload_v2` (with an `upload_url` pointing back here),
`apps.connections.open`, and a `/response_url/<name>` endpoint for `respond()`. Knobs make a
method answer HTTP 429 with Retry-After, fail with an error, drop the connection, or answer
slowly. `wait_for` blocks until a matching call was seen.

`FakeSocketModeServer` speaks just enough WebSocket (RFC 6455) for slack_sdk's built-in Socket Mode
client: it sends `hello`, sends envelopes you give it, answers pings and records the acks.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.loopback import Loopback, Served

Predicate = Callable[["Call"], bool]


@dataclass(frozen=True)
class Call:
    """One request the fake received. `method` is the API method, or `upload` / `response_url`."""

    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]
    body: bytes
    status: int
    at: float = field(default_factory=time.monotonic)

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)

    @property
    def text(self) -> str:
        """Every text of the call (fallback text and all block texts), for assertions."""
        return "\n".join(_texts(self.params))


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for k, v in value.items() if k not in ("type", "style") for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


@dataclass
class _Knob:
    kind: str  # ratelimit | fail | disconnect | delay
    times: int | None  # None: always
    value: Any = None


class FakeSlackAPI(Served):
    """Start it (or use it as a context manager); point `WebClient(base_url=api_url)` here."""

    def __init__(
        self,
        *,
        team_id: str = "T0FAKE",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        usergroups: dict[str, list[str]] | None = None,
        token: str | None = None,
        people: dict[str, str] | None = None,
    ) -> None:
        self.team_id, self.bot_user_id, self.bot_id = team_id, bot_user_id, bot_id
        self.usergroups: dict[str, list[str]] = dict(usergroups or {})
        self.people: dict[str, str] = dict(people or {})  # user id -> display name
        self.token = token
        self.socket_mode_url: str | None = None
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}  # modals opened, by view id
        self.expired_triggers: set[str] = set()  # trigger_ids older than Slack's 3 s
        self._calls: list[Call] = []
        self._knobs: dict[str, list[_Knob]] = {}
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        self.http = Loopback(_handler_for(self))

    # lifecycle ---------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.http.url + "/"

    @property
    def api_url(self) -> str:
        return self.url + "api/"

    def response_url(self, name: str = "r") -> str:
        return f"{self.url}response_url/{name}"

    # knobs -------------------------------------------------------------------------------------

    def rate_limit(self, method: str, *, times: int | None = 1, retry_after: int = 1) -> None:
        """Answer `method` with HTTP 429 and `Retry-After` (the next `times` calls)."""
        self._knob(method, _Knob("ratelimit", times, retry_after))

    def fail(self, method: str, error: str = "internal_error", *, times: int | None = None) -> None:
        """Answer `method` with `{"ok": false, "error": error}`."""
        self._knob(method, _Knob("fail", times, error))

    def disconnect(self, method: str, *, times: int | None = 1) -> None:
        """Close the connection without answering (a network failure)."""
        self._knob(method, _Knob("disconnect", times))

    def delay(self, method: str, seconds: float, *, times: int | None = None) -> None:
        self._knob(method, _Knob("delay", times, seconds))

    def clear_knobs(self) -> None:
        with self._cond:
            self._knobs.clear()

    def _knob(self, method: str, knob: _Knob) -> None:
        with self._cond:
            self._knobs.setdefault(method, []).append(knob)

    def _take_knobs(self, method: str) -> list[_Knob]:
        with self._cond:
            taken, kept = [], []
            for knob in self._knobs.get(method, []):
                taken.append(knob)
                if knob.times is None or knob.times > 1:
                    kept.append(knob)
                    if knob.times is not None:
                        knob.times -= 1
            self._knobs[method] = kept
            return taken

    # what happened -----------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(
        self, match: str | Predicate, timeout: float = 10.0, *, count: int = 1
    ) -> list[Call]:
        """Block until `count` calls match (a method name or a predicate); return them."""
        pred: Predicate = (lambda c: c.method == match) if isinstance(match, str) else match
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self._calls if pred(c)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = ", ".join(c.method for c in self._calls) or "none"
                    raise AssertionError(
                        f"no {count} matching call(s) within {timeout}s; seen: {seen}"
                    )
                self._cond.wait(left)

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """Messages posted as replies in a thread, oldest first."""
        with self._cond:
            return [
                m
                for m in self.messages.values()
                if m["channel"] == channel and m.get("thread_ts") == thread_ts
            ]

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """A message as it stands now (after updates)."""
        with self._cond:
            return self.messages.get((channel, ts))

    def channel_id(self, channel: str) -> str:
        """Channel names (`#preprod`) become ids, as Slack answers them; ids stay as they are."""
        if channel.startswith("#"):
            return "C" + hashlib.sha1(channel.encode()).hexdigest()[:8].upper()
        return channel

    # answering ---------------------------------------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    def _next_ts(self) -> str:
        n = next(self._ts)
        return f"{1700000000 + n}.{n:06d}"

    def _api(self, method: str, params: dict[str, Any], auth: str | None) -> dict[str, Any]:
        token = params.get("token") or (auth or "").removeprefix("Bearer ").strip()
        if not token:
            return {"ok": False, "error": "not_authed"}
        if self.token is not None and token != self.token:
            return {"ok": False, "error": "invalid_auth"}
        answer = getattr(self, "_m_" + method.replace(".", "_"), None)
        if answer is None:
            return {"ok": False, "error": "unknown_method"}
        return answer(params)

    def _m_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.test/",
            "team": "Fake team",
            "user": "preprod",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _m_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not (params.get("text") or params.get("blocks")):
            return {"ok": False, "error": "no_text"}
        channel, ts = self.channel_id(str(params["channel"])), self._next_ts()
        message = {
            "ts": ts,
            "channel": channel,
            "text": params.get("text", ""),
            "blocks": params.get("blocks") or [],
            "thread_ts": params.get("thread_ts"),
            "updates": 0,
        }
        with self._cond:
            self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": {**message, "type": "message"}}

    def _m_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("channel") or not params.get("ts"):
            return {"ok": False, "error": "invalid_arguments"}
        key = (str(params["channel"]), str(params["ts"]))
        with self._cond:
            message = self.messages.setdefault(
                key, {"ts": key[1], "channel": key[0], "thread_ts": None, "updates": 0}
            )
            message.update(text=params.get("text", ""), blocks=params.get("blocks") or [])
            message["updates"] += 1
        return {"ok": True, "channel": key[0], "ts": key[1], "text": params.get("text", "")}

    def _m_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("channel") or not params.get("user"):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user") or "")
        if user not in self.people:
            return {"ok": False, "error": "user_not_found"}
        shown = self.people[user]
        profile = {"display_name": shown, "real_name": shown.title()}
        return {"ok": True, "user": {"id": user, "name": shown.lower(), "profile": profile}}

    def _m_usergroups_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        group = params.get("usergroup")
        if group not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.usergroups[group])}

    def _m_files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("filename") or not str(params.get("length", "")).isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ts):08d}"
        with self._cond:
            self.uploads[file_id] = {
                "filename": params["filename"],
                "length": int(params["length"]),
            }
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}upload/{file_id}"}

    def _m_files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files") or []
        with self._cond:
            unknown = [f.get("id") for f in files if f.get("id") not in self.uploads]
            if not files or unknown:
                return {"ok": False, "error": "file_not_found"}
            for f in files:
                self.uploads[f["id"]].update(
                    title=f.get("title"),
                    channel=params.get("channel_id"),
                    thread_ts=params.get("thread_ts"),
                    completed=True,
                )
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def _m_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """A modal opened from an interaction: needs its fresh trigger_id and a valid view."""
        view = params.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_arguments"}
        if str(params["trigger_id"]) in self.expired_triggers:
            return {"ok": False, "error": "expired_trigger_id"}
        if not isinstance(view, dict) or view.get("type") != "modal" or not view.get("title"):
            return {"ok": False, "error": "invalid_arguments"}
        if len(json.dumps(view.get("private_metadata", ""))) > 3000:
            return {"ok": False, "error": "invalid_arguments"}
        view_id = f"V{next(self._ts):08d}"
        with self._cond:
            self.views[view_id] = {**view, "id": view_id, "trigger_id": params["trigger_id"]}
        return {"ok": True, "view": self.views[view_id]}

    def _m_apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not self.socket_mode_url:
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"ok": True, "url": self.socket_mode_url}


def _handler_for(fake: FakeSlackAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            parsed = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            params = _params(parsed.query, body, headers.get("content-type", ""))
            path = parsed.path
            if path.startswith("/api/"):
                method = path.removeprefix("/api/")
            elif path.startswith("/upload/"):
                method = "upload"
            elif path.startswith("/response_url/"):
                method = "response_url"
            else:
                method = "unknown"
            for knob in fake._take_knobs(method):
                if knob.kind == "delay":
                    time.sleep(float(knob.value))
                elif knob.kind == "disconnect":
                    fake._record(Call(method, path, params, headers, body, 0))
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                elif knob.kind == "ratelimit":
                    fake._record(Call(method, path, params, headers, body, 429))
                    payload = {"ok": False, "error": "ratelimited"}
                    self._send(429, payload, {"Retry-After": str(knob.value)})
                    return
                elif knob.kind == "fail":
                    fake._record(Call(method, path, params, headers, body, 200))
                    self._send(200, {"ok": False, "error": knob.value})
                    return
            if method == "upload":
                file_id = path.removeprefix("/upload/")
                with fake._cond:
                    known = file_id in fake.uploads
                    if known:
                        fake.uploads[file_id]["bytes"] = body
                status = 200 if known else 404
                fake._record(Call(method, path, params, headers, body, status))
                self._send_text(status, f"OK - {len(body)}" if known else "not found")
                return
            if method == "response_url":
                fake._record(Call(method, path, params, headers, body, 200))
                self._send_text(200, "ok")
                return
            if method == "unknown":
                fake._record(Call(method, path, params, headers, body, 404))
                self._send_text(404, "not found")
                return
            answer = fake._api(method, params, headers.get("authorization"))
            fake._record(Call(method, path, params, headers, body, 200))
            self._send(200, answer)

        def _send(self, status: int, payload: dict[str, Any], extra: dict[str, str] | None = None):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _send_text(self, status: int, text: str) -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _params(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    params: dict[str, Any] = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    if body and content_type.startswith("application/json"):
        decoded = json.loads(body.decode("utf-8"))
        if isinstance(decoded, dict):
            params.update(decoded)
    elif body and content_type.startswith("application/x-www-form-urlencoded"):
        # File bytes are POSTed to the upload URL with this type too; binary is not a form.
        with contextlib.suppress(UnicodeDecodeError):
            params.update(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for key, value in list(params.items()):
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


# Socket Mode -----------------------------------------------------------------------------------

_WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class FakeSocketModeServer:
    """A WebSocket endpoint in place of Slack's Socket Mode; `url` goes in apps.connections.open."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._clients: list[socket.socket] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._ids = itertools.count(1)

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket=fake"

    def start(self) -> FakeSocketModeServer:
        self._spawn(self._accept)
        return self

    def close(self) -> None:
        self._stop.set()
        with self._cond:
            clients = list(self._clients)
        for client in clients:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(5)
        for client in clients:
            client.close()
        self._listener.close()

    def wait_connected(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._clients:
                if not self._cond.wait(max(0.0, deadline - time.monotonic())):
                    raise AssertionError("no Socket Mode client connected")

    def send(self, kind: str, payload: dict[str, Any], **extra: Any) -> str:
        """Send an envelope (`slash_commands`, `interactive`, `events_api`); return its id."""
        envelope_id = f"env-{next(self._ids)}"
        message = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            **extra,
        }
        with self._cond:
            client = self._clients[-1]
        _send_frame(client, TEXT, json.dumps(message).encode())
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 15.0) -> dict[str, Any]:
        """The client's acknowledgement of an envelope (its `payload`, if any, included)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while envelope_id not in self._acks:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"envelope {envelope_id} was not acknowledged")
                self._cond.wait(left)
            return self._acks[envelope_id]

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._spawn(self._serve, client)

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(None)
        reader = client.makefile("rb")
        try:
            request = b""
            while not request.endswith(b"\r\n\r\n"):
                chunk = reader.readline()
                if not chunk:
                    return
                request += chunk
            key = next(
                line.split(b":", 1)[1].strip()
                for line in request.split(b"\r\n")
                if line.lower().startswith(b"sec-websocket-key:")
            )
            accept = base64.b64encode(hashlib.sha1(key + _WS_GUID.encode()).digest())
            client.sendall(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
            )
            with self._cond:
                self._clients.append(client)
                self._cond.notify_all()
            _send_frame(client, TEXT, json.dumps({"type": "hello", "num_connections": 1}).encode())
            while not self._stop.is_set():
                frame = _read_frame(reader)
                if frame is None:
                    return
                opcode, data = frame
                if opcode == PING:
                    _send_frame(client, PONG, data)
                elif opcode == CLOSE:
                    _send_frame(client, CLOSE, data[:2])
                    return
                elif opcode == TEXT:
                    ack = json.loads(data.decode("utf-8"))
                    with self._cond:
                        self._acks[str(ack.get("envelope_id"))] = ack
                        self._cond.notify_all()
        except OSError:
            return
        finally:
            reader.close()
            with self._cond:
                if client in self._clients:
                    self._clients.remove(client)
            client.close()


def _send_frame(sock: socket.socket, opcode: int, data: bytes) -> None:
    head = bytes([0x80 | opcode])
    if len(data) < 126:
        head += bytes([len(data)])
    elif len(data) < 1 << 16:
        head += bytes([126]) + struct.pack("!H", len(data))
    else:
        head += bytes([127]) + struct.pack("!Q", len(data))
    sock.sendall(head + data)


def _read_frame(reader: Any) -> tuple[int, bytes] | None:
    head = reader.read(2)
    if len(head) < 2:
        return None
    opcode, masked, length = head[0] & 0x0F, head[1] & 0x80, head[1] & 0x7F
    if length == 126:
        length = struct.unpack("!H", reader.read(2))[0]
    elif length == 127:
        length = struct.unpack("!Q", reader.read(8))[0]
    mask = reader.read(4) if masked else b""
    data = reader.read(length)
    if masked:
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    return opcode, data
