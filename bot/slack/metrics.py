"""The bot's own Prometheus metrics, in a registry of their own (one per app instance)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)


class SlackMetrics:
    """Commands by verb and outcome, ack latency, active jobs and Slack API errors."""

    def __init__(self, active_jobs: Callable[[], float] | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.commands = Counter(
            "preprod_commands",
            "Commands received from Slack, by verb, outcome and source",
            ["verb", "outcome", "source"],
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "preprod_slack_ack_seconds",
            "Time from receiving a Slack request to answering it (the ack)",
            ["kind"],
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.api_errors = Counter(
            "preprod_slack_api_errors",
            "Slack Web API calls that failed after their retries, by method and error",
            ["method", "error"],
            registry=self.registry,
        )
        self.duplicates = Counter(
            "preprod_slack_duplicate_deliveries",
            "Deliveries Slack sent again that were acknowledged and dropped",
            ["kind"],
            registry=self.registry,
        )
        self.active_jobs = Gauge(
            "preprod_active_jobs", "Runs queued or running in this process", registry=self.registry
        )
        if active_jobs is not None:
            self.active_jobs.set_function(active_jobs)

    def command(self, verb: str, outcome: str, source: str) -> None:
        self.commands.labels(verb=verb, outcome=outcome, source=source).inc()

    def api_error(self, method: str, error: str) -> None:
        self.api_errors.labels(method=method, error=error[:60]).inc()
