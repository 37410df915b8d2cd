"""The embedded default with no Prometheus: scrape each service's /metrics during a run, in memory.

A daemon thread GETs `<url>/metrics` every interval; a failed scrape is kept as a gap and never
raises into the caller. Windows and series are computed from the kept snapshots by `promtext`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import httpx

from actions.telemetry.promtext import RouteStats, Snapshot, WindowStats, parse, window_stats

__all__ = ["Metric", "Recorder", "RouteStats", "Scrape", "WindowStats"]

Metric = Literal["rps", "error_rate_pct", "p50_ms", "p95_ms", "p99_ms"]


@dataclass(frozen=True)
class Scrape:
    """One scrape of one target: a snapshot, or a gap with the reason."""

    at: float
    snapshot: Snapshot | None
    error: str | None = None


class Recorder:
    """Scrapes `targets` (service → base URL) every `interval_s`; keeps the last `keep` scrapes."""

    def __init__(
        self,
        targets: dict[str, str],
        interval_s: float = 1.0,
        timeout_s: float = 2.0,
        *,
        keep: int = 3600,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.targets = dict(targets)
        self.interval_s = interval_s
        self._clock = clock
        self._client = httpx.Client(timeout=timeout_s, transport=transport)
        self._scrapes: dict[str, deque[Scrape]] = {s: deque(maxlen=keep) for s in self.targets}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start scraping in a daemon thread; the first scrape is immediate."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="metrics-recorder", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop scraping and wait for the thread (at most one scrape's timeouts)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._client.close()

    def __enter__(self) -> Recorder:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def scrape_once(self) -> None:
        """Scrape every target now; a failure is recorded as a gap."""
        for service, url in self.targets.items():
            at = self._clock()
            try:
                response = self._client.get(url.rstrip("/") + "/metrics")
                response.raise_for_status()
                scrape = Scrape(at, parse(response.text))
            except Exception as exc:  # a scrape never raises into the run: it is a gap
                scrape = Scrape(at, None, f"{type(exc).__name__}: {exc}")
            with self._lock:
                self._scrapes[service].append(scrape)

    def scrapes(self, service: str) -> list[Scrape]:
        """The kept scrapes of a service, gaps included, oldest first."""
        with self._lock:
            return list(self._scrapes.get(service, ()))

    def gaps(self, service: str) -> list[Scrape]:
        """The failed scrapes of a service."""
        return [s for s in self.scrapes(service) if s.snapshot is None]

    def window(self, service: str, start: float, end: float) -> WindowStats | None:
        """Figures between the snapshots nearest `start` and `end`; None without two of them."""
        good = self._snapshots(service)
        if len(good) < 2:
            return None
        first = min(good, key=lambda s: abs(s.at - start))
        last = min(good, key=lambda s: abs(s.at - end))
        if last.at <= first.at:
            return None
        return _stats(first, last)

    def series(
        self, service: str, metric: Metric, step_s: float
    ) -> list[tuple[float, float | None]]:
        """`(end time, value)` of one figure over consecutive windows of about `step_s`."""
        return [(at, getattr(stats, metric)) for at, stats in self.windows(service, step_s)]

    def windows(self, service: str, step_s: float) -> list[tuple[float, WindowStats]]:
        """`(end time, figures)` of consecutive, non-overlapping windows of about `step_s`."""
        points: list[tuple[float, WindowStats]] = []
        previous: Scrape | None = None
        for scrape in self._snapshots(service):
            if previous is None:
                previous = scrape
            elif scrape.at - previous.at >= step_s * 0.9:  # scrapes drift a little
                points.append((scrape.at, _stats(previous, scrape)))
                previous = scrape
        return points

    def _snapshots(self, service: str) -> list[Scrape]:
        return [s for s in self.scrapes(service) if s.snapshot is not None]

    def _run(self) -> None:
        next_at = time.monotonic()
        while not self._stopping.is_set():
            self.scrape_once()
            next_at = max(next_at + self.interval_s, time.monotonic())
            self._stopping.wait(next_at - time.monotonic())


def _stats(first: Scrape, last: Scrape) -> WindowStats:
    assert first.snapshot is not None and last.snapshot is not None
    return window_stats(first.snapshot, last.snapshot, last.at - first.at)
