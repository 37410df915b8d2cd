"""What every fake server shares: a ThreadingHTTPServer on 127.0.0.1, served from a daemon thread,
started and closed by the fake (or by `with fake:`)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and hung up is not the fake's problem


class Loopback:
    """One HTTP server on 127.0.0.1 (port 0: a free one; the same port again after a restart)."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0) -> None:
        self.handler = handler
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._server = _Server(("127.0.0.1", self.port), self.handler)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(5)
        self._server.server_close()
        self._server = None

    @property
    def url(self) -> str:
        """Where it listens (or listened: after `close` the URL refuses connections)."""
        assert self.port, "start the fake first"
        return f"http://127.0.0.1:{self.port}"


class Served:
    """Start, close and `with` for a fake that keeps its server in `self.http`."""

    http: Loopback

    def start(self) -> Self:
        self.http.start()
        return self

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        return self.http.url
