"""The recorder scrapes a real prometheus_client exposition while requests are made."""

from __future__ import annotations

import bisect
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import httpx
import numpy as np
import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from actions.telemetry.recorder import Recorder

BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 1.0)


class Service:
    """A tiny service: `/hit?route=&status=&seconds=` observes a request; `/metrics` shows it."""

    def __init__(self) -> None:
        registry = CollectorRegistry()
        labels = ["method", "route", "status"]
        self.duration = Histogram(
            "http_request_duration_seconds", "", labels, buckets=BUCKETS, registry=registry
        )
        self.requests = Counter("http_requests", "", labels, registry=registry)
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path == "/hit":
                    query = {k: v[0] for k, v in parse_qs(url.query).items()}
                    labels = {"method": "GET", "route": query["route"], "status": query["status"]}
                    service.duration.labels(**labels).observe(float(query["seconds"]))
                    service.requests.labels(**labels).inc()
                body = generate_latest(registry) if url.path == "/metrics" else b"ok"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def service() -> Iterator[Service]:
    svc = Service()
    thread = threading.Thread(target=svc.server.serve_forever, daemon=True)
    thread.start()
    yield svc
    svc.server.shutdown()
    svc.server.server_close()
    thread.join()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def bucket_of(seconds: float) -> tuple[float, float]:
    i = bisect.bisect_left(BUCKETS, seconds)
    return (BUCKETS[i - 1] if i else 0.0), BUCKETS[i]


@pytest.mark.slow
def test_recorded_window_matches_the_observed_requests(service: Service) -> None:
    # Earlier traffic, slow and failing, must not leak into the window.
    service.duration.labels("GET", "/old", "500").observe(0.9)
    service.requests.labels("GET", "/old", "500").inc()
    rng = random.Random(7)
    observed: list[float] = []
    errors = 0
    recorder = Recorder({"shop": service.url, "down": f"http://127.0.0.1:{closed_port()}"}, 0.25)
    with recorder, httpx.Client(base_url=service.url) as client:
        wait_for(lambda: len(recorder.scrapes("shop")) >= 1)
        start = time.time()
        for i in range(200):
            seconds = rng.choice([0.02, 0.07, 0.15]) if i % 10 else rng.uniform(0.2, 0.45)
            status = "500" if i % 20 == 0 else "200"
            route = "/items" if i % 2 else "/cart"
            client.get("/hit", params={"route": route, "status": status, "seconds": seconds})
            observed.append(seconds)
            errors += status == "500"
            time.sleep(0.01)
        end = time.time()
        wait_for(lambda: recorder.scrapes("shop")[-1].at > end + 0.05)
    ats = [s.at for s in recorder.scrapes("shop")]
    before, after = max(t for t in ats if t <= start), min(t for t in ats if t >= end)
    stats = recorder.window("shop", before + 0.01, after - 0.01)

    assert stats is not None
    assert stats.requests == len(observed)
    assert stats.error_rate_pct == pytest.approx(100.0 * errors / len(observed))
    assert set(stats.per_route) == {"/items", "/cart"}
    assert stats.p95_ms is not None
    low, high = bucket_of(float(np.percentile(observed, 95)))
    assert low * 1000 <= stats.p95_ms <= high * 1000
    assert 2.0 <= end - start <= 4.0
    rates = [v for _, v in recorder.series("shop", "rps", step_s=0.5)]
    assert rates and max(v or 0.0 for v in rates) > 10
    assert recorder.gaps("down") and recorder.window("down", start, end) is None


def test_a_target_that_is_down_gives_gaps_and_no_exception() -> None:
    times = iter(float(t) for t in range(100))
    recorder = Recorder(
        {"down": f"http://127.0.0.1:{closed_port()}"}, timeout_s=0.5, clock=lambda: next(times)
    )
    recorder.scrape_once()
    recorder.scrape_once()
    recorder.stop()
    assert [g.at for g in recorder.gaps("down")] == [0.0, 1.0]
    assert all(g.error for g in recorder.gaps("down"))
    assert recorder.series("down", "p95_ms", step_s=1.0) == []
