"""Prometheus metrics of an HTTP service: request durations and counts by method, route, status."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

# Fine from 5 to 500 ms, where this shop's latencies and objectives sit: a percentile read from a
# histogram is only as exact as its buckets (with 25 and 50 ms bounds, every p95 between them
# reads as a point of one straight line, and a +10% shift can vanish or double).
BUCKETS = (
    *(i / 1000 for i in range(5, 100, 5)),  # 5 ms steps up to 95 ms
    *(i / 1000 for i in range(100, 300, 20)),  # 20 ms steps up to 280 ms
    *(0.3, 0.35, 0.4, 0.45, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0),
)


class Metrics:
    """The metrics of one service, in a registry of its own."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, service: str, version: str) -> None:
        self.registry = CollectorRegistry()
        labels = ["method", "route", "status"]
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request.",
            labels,
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.requests = Counter(
            "http_requests", "HTTP requests answered.", labels, registry=self.registry
        )
        info = Gauge(
            "shop_build_info",
            "Service and version.",
            ["service", "version"],
            registry=self.registry,
        )
        info.labels(service=service, version=version).set(1)
        ProcessCollector(registry=self.registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its duration."""
        labels = {"method": method, "route": route, "status": str(status)}
        self.duration.labels(**labels).observe(seconds)
        self.requests.labels(**labels).inc()

    def render(self) -> bytes:
        """The metrics in the Prometheus text format."""
        return generate_latest(self.registry)
