"""The policy watcher: readings per service, once per breach, gaps, stopping after a rollback."""

from __future__ import annotations

import threading

from actions.telemetry.policy import RollbackPolicy
from actions.telemetry.watch import Breach, PolicyWatcher


def policy(**fields: object) -> RollbackPolicy:
    base = {"name": "latency", "metric": "p95_ms", "breach": "> 500", "for": "2s", "window": "5s"}
    return RollbackPolicy.model_validate({**base, **fields})


class Feed:
    """Readings by service, a clock moved by hand, and a record of what was asked."""

    def __init__(self, values: dict[str, float | None]) -> None:
        self.values = values
        self.now = 0.0
        self.asked: list[tuple[str, str, float, int]] = []

    def read(self, metric: str, service: str, window_s: float, min_requests: int) -> float | None:
        self.asked.append((metric, service, window_s, min_requests))
        value = self.values[service]
        if isinstance(value, Exception):
            raise value
        return value


def watcher(feed: Feed, policies: list[RollbackPolicy], fired: list[Breach]) -> PolicyWatcher:
    return PolicyWatcher(
        policies, ["catalog", "storefront"], feed.read, fired.append, clock=lambda: feed.now
    )


def test_a_policy_without_a_service_watches_each_service_on_its_own() -> None:
    feed, fired = Feed({"catalog": 100.0, "storefront": 900.0}), []
    w = watcher(feed, [policy(min_requests=30)], fired)
    for t in (0.0, 1.0, 2.0):
        feed.now = t
        w.check()
    assert [(b.service, b.value) for b in fired] == [("storefront", 900.0)]
    assert "p95_ms of storefront at 900 has been > 500 for 2s" in fired[0].decision.reason
    assert ("p95_ms", "catalog", 5.0, 30) in feed.asked


def test_after_a_live_policy_fires_the_watcher_stops_checking() -> None:
    feed, fired = Feed({"catalog": 900.0, "storefront": 900.0}), []
    w = watcher(feed, [policy(service="storefront")], fired)
    for t in (0.0, 2.0):
        feed.now = t
        w.check()
    asked = len(feed.asked)
    feed.now = 10.0
    assert w.check() == [] and len(feed.asked) == asked
    assert w.done.is_set() and len(fired) == 1


def test_a_dry_run_policy_keeps_watching_and_fires_again_after_a_recovery() -> None:
    feed, fired = Feed({"catalog": 0.0, "storefront": 900.0}), []
    w = watcher(feed, [policy(service="storefront", dry_run=True)], fired)
    for t, value in [(0, 900.0), (2, 900.0), (3, 100.0), (4, 900.0), (6, 900.0)]:
        feed.now, feed.values["storefront"] = float(t), value
        w.check()
    assert len(fired) == 2 and not w.done.is_set()


def test_a_failed_reading_is_a_gap_not_an_error() -> None:
    feed, fired = Feed({"catalog": 0.0, "storefront": 900.0}), []
    w = watcher(feed, [policy(service="storefront")], fired)
    feed.now = 0.0
    w.check()
    feed.values["storefront"] = ConnectionError("scrape failed")  # type: ignore[assignment]
    feed.now = 1.0
    assert w.check() == []
    feed.values["storefront"], feed.now = 900.0, 2.0
    assert [b.service for b in w.check()] == ["storefront"]  # the gap did not end the breach


def test_an_action_that_fails_does_not_stop_the_watcher() -> None:
    feed = Feed({"catalog": 900.0, "storefront": 900.0})

    def explode(breach: Breach) -> None:
        raise RuntimeError("rollback exploded")

    w = PolicyWatcher(
        [policy(dry_run=True)], ["catalog", "storefront"], feed.read, explode,
        clock=lambda: feed.now,
    )  # fmt: skip
    w.check()
    feed.now = 2.0
    assert len(w.check()) == 2 and len(w.breaches) == 2


def test_the_apscheduler_job_checks_on_its_own_until_stopped() -> None:
    seen = threading.Event()
    feed = Feed({"catalog": 0.0, "storefront": 0.0})

    def read(metric: str, service: str, window_s: float, min_requests: int) -> float | None:
        seen.set()
        return feed.read(metric, service, window_s, min_requests)

    w = PolicyWatcher([policy()], ["catalog", "storefront"], read, lambda b: None, interval_s=0.05)
    w.start()
    try:
        assert seen.wait(5)
    finally:
        w.stop()
    asked = len(feed.asked)
    assert w.check() == [] and len(feed.asked) == asked  # stopped: no more readings
