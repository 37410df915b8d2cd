"""Serving a WSGI app with waitress (threaded, production-grade) and stopping it cleanly."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

import waitress
from waitress import wasyncore
from waitress.task import ThreadedTaskDispatcher

if TYPE_CHECKING:
    from wsgiref.types import WSGIApplication

log = logging.getLogger(__name__)


class HttpServer:
    """waitress on host:port (0: any free port), its loop in a thread of its own."""

    def __init__(
        self, app: WSGIApplication, host: str = "127.0.0.1", port: int = 0, *, threads: int = 8
    ) -> None:
        self._map: dict[int, object] = {}
        # Our own dispatcher (waitress's `_dispatcher` hook), so a failed bind leaks no threads.
        self._tasks = ThreadedTaskDispatcher()
        self._tasks.set_thread_count(threads)
        try:
            self._server = waitress.create_server(
                app,
                map=self._map,
                _dispatcher=self._tasks,
                host=host,
                port=port,
                threads=threads,
                ident="preprod",
                max_request_body_size=1024 * 1024,
                clear_untrusted_proxy_headers=True,
            )
        except BaseException:
            self._tasks.shutdown(timeout=5)
            wasyncore.close_all(self._map)  # the trigger and the socket that could not bind
            raise
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="preprod-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def host(self) -> str:
        return str(self._server.effective_host)

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> HttpServer:
        self._thread.start()
        log.info("serving on %s", self.url)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting, let the loop end, finish the worker threads, close every socket."""
        self._stopping.set()
        if self._thread.is_alive():
            self._server.pull_trigger()
            self._thread.join(timeout)
        else:
            self._close()

    def _serve(self) -> None:
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=1.0, map=self._map, count=1)
        finally:
            self._close()

    def _close(self) -> None:
        self._tasks.shutdown(timeout=5)
        wasyncore.close_all(self._map)
