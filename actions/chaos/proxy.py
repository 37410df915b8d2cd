"""A fault-injection TCP/HTTP proxy in front of one service, on its own thread and event loop.

`FaultProxy(upstream).start()` listens on 127.0.0.1 (port 0 unless given) and forwards to the
upstream. `set_faults([...])` and `clear()` change the faults at runtime from any thread; each
new request (HTTP mode) or connection (TCP mode) is judged by `faults.decide`. In HTTP mode the
proxy reads just enough HTTP/1.1 to find request boundaries on keep-alive connections (request
line, headers, a Content-Length body); a chunked or upgraded request turns the rest of its
connection into a plain byte pipe. Responses are never parsed: they stream back as they come.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import struct
import threading
from collections import Counter
from collections.abc import Sequence
from types import TracebackType
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from actions.chaos.faults import (
    FAULT_KINDS,
    PASS,
    Decision,
    Fault,
    FaultKind,
    bandwidth_limit,
    decide,
    error_response,
)
from actions.chaos.http1 import parse_request_head
from actions.errors import PreprodError

log = logging.getLogger(__name__)

START_TIMEOUT_S = 5.0
STOP_TIMEOUT_S = 1.0
CONNECT_TIMEOUT_S = 5.0
HEAD_LIMIT = 64 * 1024
CHUNK = 64 * 1024
# Throttled streams move in slices of 1/20 s of the limit, so the pace stays smooth.
SLICES_PER_S = 20


class ProxyError(PreprodError):
    """The proxy could not start (bad upstream, port taken) or was used while stopped."""


class ProxyStats(BaseModel):
    """What the proxy saw since it started: connections, requests and faults applied by kind."""

    model_config = ConfigDict(frozen=True)

    connections: int
    requests: int
    faulted: dict[FaultKind, int]


def parse_upstream(upstream: str) -> tuple[str, int]:
    """`http://host:port[/...]` or `host:port` as (host, port)."""
    split = urlsplit(upstream if "://" in upstream else f"tcp://{upstream}")
    try:
        port = split.port
    except ValueError as error:
        raise ProxyError(f"upstream {upstream!r} has an invalid port") from error
    if not split.hostname or port is None:
        raise ProxyError(f"upstream {upstream!r} needs a host and a port (host:port)")
    return split.hostname, port


class FaultProxy:
    """Forwards 127.0.0.1:<port> to `upstream`, injecting the faults currently set."""

    def __init__(
        self,
        upstream: str,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        http: bool = True,
        seed: int | None = None,
        name: str = "",
    ) -> None:
        self.upstream = parse_upstream(upstream)
        self.name = name or f"{self.upstream[0]}:{self.upstream[1]}"
        self.http = http
        self._port = port
        self._host = host
        self._rng = random.Random(seed)  # used on the proxy's loop thread only
        self._lock = threading.Lock()
        self._faults: tuple[Fault, ...] = ()
        self._connections = 0
        self._requests = 0
        self._faulted: Counter[FaultKind] = Counter()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- control, from any thread ---------------------------------------------------------

    def start(self) -> FaultProxy:
        """Listen and serve on a thread of its own; returns once the port is bound."""
        if self._thread is not None:
            raise ProxyError(f"proxy {self.name} is already started")
        self._ready.clear()
        self._failure = None
        self._thread = threading.Thread(
            target=self._run, name=f"fault-proxy {self.name}", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S) or self._failure is not None:
            self._thread.join(STOP_TIMEOUT_S)
            self._thread = None
            raise ProxyError(f"proxy {self.name} could not start: {self._failure}")
        return self

    def stop(self) -> None:
        """Close the listener and every connection; returns within about a second."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None or loop is None or stopping is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop has already finished
            loop.call_soon_threadsafe(stopping.set)
        thread.join(STOP_TIMEOUT_S)
        self._thread = None

    def set_faults(self, faults: Sequence[Fault]) -> None:
        """Replace the faults; applies to the next request of every connection, open or new."""
        with self._lock:
            self._faults = tuple(faults)

    def clear(self) -> None:
        """Remove every fault: traffic flows untouched from the next request on."""
        self.set_faults(())

    @property
    def faults(self) -> tuple[Fault, ...]:
        with self._lock:
            return self._faults

    @property
    def port(self) -> int:
        if not self._ready.is_set() or self._failure is not None:
            raise ProxyError(f"proxy {self.name} is not started")
        return self._port

    @property
    def url(self) -> str:
        """Base URL clients use instead of the service's own."""
        return f"http://127.0.0.1:{self.port}"

    def stats(self) -> ProxyStats:
        """Connections accepted, requests seen and faults applied, by kind, since start."""
        with self._lock:
            faulted = {kind: self._faulted[kind] for kind in FAULT_KINDS}
            return ProxyStats(
                connections=self._connections, requests=self._requests, faulted=faulted
            )

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the loop thread --------------------------------------------------------------------

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported to start(), or logged if it happens later
            self._failure = error
            if self._ready.is_set():
                log.exception("fault proxy %s failed", self.name)
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._accept, self._host, self._port, limit=HEAD_LIMIT)
        self._port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        with self._lock:
            self._connections += 1
        connection = _Connection(self, reader, writer)
        try:
            await connection.serve()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            log.debug("fault proxy %s: connection ended: %r", self.name, error)
        except asyncio.CancelledError:
            # Only stop() cancels a connection; ending normally keeps asyncio 3.11's stream
            # callback from logging the cancelled task as an error.
            pass
        finally:
            connection.close()
            self._tasks.discard(task)

    def _decide(self, *, request: bool) -> Decision:
        faults = self.faults
        decision = decide(self._rng, faults, http=self.http) if faults else PASS
        with self._lock:
            self._requests += request
            self._faulted.update(decision.fired)
        return decision

    def _count(self, kind: FaultKind) -> None:
        with self._lock:
            self._faulted[kind] += 1

    def _bandwidth(self) -> int | None:
        return bandwidth_limit(self.faults)


class _Connection:
    """One client connection and its upstream connection."""

    def __init__(
        self, proxy: FaultProxy, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.proxy = proxy
        self.client_reader, self.client_writer = reader, writer
        self.upstream_writer: asyncio.StreamWriter | None = None
        self.responses: asyncio.Task[None] | None = None
        self.throttled = False

    async def serve(self) -> None:
        if not self.proxy.http:
            await self._serve_tcp()
            return
        head = await self._read_head()
        if head is None:
            return
        try:
            upstream_reader = await self._connect()
        except OSError as error:
            await self._write(self.client_writer, _bad_gateway(self.proxy.name, error))
            return
        self.responses = responses = asyncio.create_task(
            self._pump(upstream_reader, self.client_writer)
        )
        try:
            while head is not None:
                if not await self._forward_request(head):
                    return
                head = await self._read_head()
            self._half_close_upstream()
            await responses
        finally:
            responses.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await responses

    async def _forward_request(self, raw: bytes) -> bool:
        """Carry out the decision for one request; False once the connection must end."""
        head = parse_request_head(raw)
        decision = self.proxy._decide(request=True)
        if decision.delay_s:
            await asyncio.sleep(decision.delay_s)
        assert self.upstream_writer is not None
        streamed = head is None or head.streamed
        if streamed and decision.action == "error":
            decision = decision.model_copy(update={"action": "pass"})  # body end unknown
        if decision.action != "pass" and self.responses is not None:
            self.responses.cancel()  # nothing from the upstream may reach the client now
        if streamed and decision.action == "pass":
            await self._write(self.upstream_writer, raw)
            await self._pump(self.client_reader, self.upstream_writer)
            self._half_close_upstream()
            if self.responses is not None:
                await self.responses
            return False
        if decision.action == "blackhole":
            await self._swallow()
            return False
        if decision.action == "reset":
            self._reset()
            return False
        assert head is not None
        if decision.action == "error":
            await self.client_reader.readexactly(head.content_length)  # so close sends FIN
            assert decision.status is not None
            await self._write(self.client_writer, error_response(decision.status, decision.body))
            return False
        await self._write(self.upstream_writer, raw)
        remaining = head.content_length
        while remaining:
            data = await self.client_reader.read(min(CHUNK, remaining))
            if not data:
                raise asyncio.IncompleteReadError(b"", remaining)
            remaining -= len(data)
            await self._write(self.upstream_writer, data)
        return True

    async def _serve_tcp(self) -> None:
        decision = self.proxy._decide(request=False)
        if decision.delay_s:
            await asyncio.sleep(decision.delay_s)
        if decision.action == "blackhole":
            await self._swallow()
            return
        if decision.action == "reset":
            self._reset()
            return
        upstream_reader = await self._connect()
        assert self.upstream_writer is not None
        responses = asyncio.create_task(self._pump(upstream_reader, self.client_writer))
        try:
            await self._pump(self.client_reader, self.upstream_writer)
            self._half_close_upstream()
            await responses
        finally:
            responses.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await responses

    async def _read_head(self) -> bytes | None:
        """The next request head, or None when the client closed between requests."""
        try:
            return await self.client_reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as error:
            if error.partial:
                raise
            return None

    async def _connect(self) -> asyncio.StreamReader:
        host, port = self.proxy.upstream
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port), CONNECT_TIMEOUT_S
        )
        self.upstream_writer = writer
        return reader

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Copy bytes until EOF, at the current bandwidth limit."""
        while data := await reader.read(CHUNK):
            await self._write(writer, data)
        if writer is self.client_writer:
            writer.close()  # the upstream closed: so does the client's connection

    async def _write(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        view = memoryview(data)
        while view:
            limit = self.proxy._bandwidth()
            if limit is None:
                writer.write(view)
                await writer.drain()
                return
            if not self.throttled:
                self.throttled = True
                self.proxy._count("bandwidth")
            size = max(1, limit // SLICES_PER_S)
            piece, view = view[:size], view[size:]
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(len(piece) / limit)

    async def _swallow(self) -> None:
        """Read and drop what the client sends, never answering, until it gives up."""
        self._close_upstream()
        while await self.client_reader.read(CHUNK):
            pass

    def _reset(self) -> None:
        """Abort the client's connection with a TCP RST (SO_LINGER 0)."""
        sock = self.client_writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.client_writer.transport.abort()

    def _half_close_upstream(self) -> None:
        if self.upstream_writer is not None and self.upstream_writer.can_write_eof():
            with contextlib.suppress(OSError):
                self.upstream_writer.write_eof()

    def _close_upstream(self) -> None:
        if self.upstream_writer is not None:
            self.upstream_writer.transport.abort()

    def close(self) -> None:
        # abort, not close: a stop must not wait for peers to read what is buffered
        self._close_upstream()
        self.client_writer.transport.abort()


def _bad_gateway(name: str, error: OSError) -> bytes:
    return error_response(502, f"502 Bad Gateway: upstream {name} unreachable ({error})\n")
