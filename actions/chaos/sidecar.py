"""The fault proxy as a process of its own, in front of one local service, with a control API.

A chaos-enabled local environment starts one sidecar per service (`python -m
actions.chaos.sidecar`): peers and clients reach the service through it, so faults can be put in
their way by any preprod process at any time, and outlive none of them: a crashed bot's faults are
cleared by the start-up recovery through the same API.

Control API (loopback; every request but `GET /healthz` must carry the `X-Preprod-Token` header):
    GET    /faults         → {"<ref>": fault, ...}
    PUT    /faults/<ref>   ← a fault (`actions.chaos.faults`), replaces the one under `ref`
    DELETE /faults/<ref>   → removes it (absent is fine)
    DELETE /faults         → removes every fault
    GET    /stats          → connections, requests and faults fired so far
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import ValidationError

from actions.chaos.faults import Fault, parse_faults
from actions.chaos.proxy import FaultProxy

TOKEN_ENV = "PREPROD_CHAOS_TOKEN"
TOKEN_HEADER = "X-Preprod-Token"


class Sidecar:
    """A `FaultProxy` on `port` and its control API on `control_port`."""

    def __init__(
        self, upstream: str, *, host: str, port: int, control_port: int, token: str
    ) -> None:
        self.proxy = FaultProxy(upstream, port=port, host=host, name=upstream)
        self.token = token
        self._faults: dict[str, Fault] = {}
        self._lock = threading.Lock()
        self.control = ThreadingHTTPServer((host, control_port), _handler(self))
        self.control.daemon_threads = True

    def serve_forever(self) -> None:
        self.proxy.start()
        try:
            self.control.serve_forever(poll_interval=0.2)
        finally:
            self.control.server_close()
            self.proxy.stop()

    def shutdown(self) -> None:
        threading.Thread(target=self.control.shutdown, daemon=True).start()

    def put(self, ref: str, fault: Fault) -> None:
        with self._lock:
            self._faults[ref] = fault
            self.proxy.set_faults(list(self._faults.values()))

    def remove(self, ref: str | None) -> None:
        with self._lock:
            if ref is None:
                self._faults.clear()
            else:
                self._faults.pop(ref, None)
            self.proxy.set_faults(list(self._faults.values()))

    def faults(self) -> dict[str, Any]:
        with self._lock:
            return {ref: fault.model_dump() for ref, fault in self._faults.items()}


def _handler(sidecar: Sidecar) -> type[BaseHTTPRequestHandler]:
    class Control(BaseHTTPRequestHandler):
        def log_message(self, *_: object) -> None:  # the service's log is not ours to fill
            return

        def do_GET(self) -> None:
            if self.path == "/healthz":  # liveness, for whoever started it; tells nothing else
                self._send(200, {"ok": True})
                return
            if not self._allowed():
                return
            if self.path == "/faults":
                self._send(200, sidecar.faults())
            elif self.path == "/stats":
                self._send(200, sidecar.proxy.stats().model_dump())
            else:
                self._send(404, {"error": f"no {self.path}"})

        def do_PUT(self) -> None:
            if not self._allowed():
                return
            ref = self._ref()
            if not ref:
                self._send(404, {"error": "PUT /faults/<ref>"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                fault = parse_faults([json.loads(self.rfile.read(length) or b"null")])[0]
            except (ValueError, ValidationError) as exc:
                self._send(400, {"error": f"not a fault: {exc}"})
                return
            sidecar.put(ref, fault)
            self._send(200, sidecar.faults())

        def do_DELETE(self) -> None:
            if not self._allowed():
                return
            if self.path != "/faults" and not self._ref():
                self._send(404, {"error": f"no {self.path}"})
                return
            sidecar.remove(self._ref() or None)
            self._send(200, sidecar.faults())

        def _ref(self) -> str:
            prefix = "/faults/"
            return self.path[len(prefix) :] if self.path.startswith(prefix) else ""

        def _allowed(self) -> bool:
            given = self.headers.get(TOKEN_HEADER) or ""
            if hmac.compare_digest(given.encode(), sidecar.token.encode()):
                return True
            self._send(403, {"error": "a valid X-Preprod-Token is needed"})
            return False

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Control


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="fault-injection sidecar of a local service")
    parser.add_argument("--upstream", required=True, help="the service's own base URL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="where peers reach the service")
    parser.add_argument("--control-port", type=int, required=True)
    args = parser.parse_args(argv)
    token = os.environ.get(TOKEN_ENV, "")
    if not token:
        parser.error(f"{TOKEN_ENV} must be set")
    sidecar = Sidecar(
        args.upstream,
        host=args.host,
        port=args.port,
        control_port=args.control_port,
        token=token,
    )
    signal.signal(signal.SIGTERM, lambda *_: sidecar.shutdown())
    sidecar.serve_forever()


if __name__ == "__main__":
    main()
