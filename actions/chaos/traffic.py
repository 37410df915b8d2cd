"""Steady traffic during an experiment, and what it saw: one observation per request.

Requests leave at a fixed rate whatever the answers take (an open model, like users who do not
wait for each other), so a slow or silent service shows as latency and timeouts, not as fewer
requests. They run on an asyncio loop in a thread of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from dataclasses import dataclass

import httpx

from actions.chaos.probes import Traffic

MAX_IN_FLIGHT = 256


@dataclass(frozen=True)
class Observation:
    """One request: when it left (epoch s), how long it took, and whether it failed."""

    at: float
    latency_ms: float
    status: int | None  # None: no answer (refused, reset, timed out)
    failed: bool


class TrafficGenerator:
    """Sends `traffic.rate` requests a second to `base_url`, cycling over `traffic.paths`."""

    def __init__(self, traffic: Traffic, base_url: str) -> None:
        self.traffic = traffic
        self.base_url = base_url.rstrip("/")
        self._observations: list[Observation] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> TrafficGenerator:
        self._thread = threading.Thread(target=self._run, name="chaos-traffic", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.traffic.timeout + 5)
            self._thread = None

    def observations(self, start: float = 0.0, end: float = float("inf")) -> list[Observation]:
        with self._lock:
            return [o for o in self._observations if start <= o.at < end]

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        interval = 1.0 / self.traffic.rate
        limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=32)
        tasks: set[asyncio.Task[None]] = set()
        async with httpx.AsyncClient(timeout=self.traffic.timeout, limits=limits) as client:
            n = 0
            next_at = time.monotonic()
            while not self._stop.is_set():
                if len(tasks) < MAX_IN_FLIGHT:
                    path = self.traffic.paths[n % len(self.traffic.paths)]
                    task = asyncio.create_task(self._one(client, path))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                n += 1
                next_at += interval
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            for task in list(tasks):
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _one(self, client: httpx.AsyncClient, path: str) -> None:
        at = time.time()
        began = time.perf_counter()
        status: int | None = None
        try:
            response = await client.get(self.base_url + path)
            status = response.status_code
        except httpx.HTTPError:
            status = None
        except asyncio.CancelledError:
            return  # stopped: not an observation
        latency = (time.perf_counter() - began) * 1000
        failed = status is None or status >= 500
        with self._lock:
            self._observations.append(Observation(at, latency, status, failed))
