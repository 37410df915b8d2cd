"""Live early warnings on the real shop: 1.1's product page, scraped by the built-in recorder,
leaves the band of 1.0's samples and the warning comes while the step still runs."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx

from actions.environments.base import Release
from actions.environments.local import LocalEnvironment
from actions.telemetry.analyze import RunTelemetry
from actions.telemetry.live_watch import LiveWatch
from tests.conftest import example_settings

BASELINE_1_0 = {"storefront": {"p95_ms": [28.0, 25.0, 37.0, 41.0, 40.0, 44.0, 30.0, 33.0]}}


def test_a_slow_release_under_traffic_is_flagged_before_the_step_ends(tmp_path: Path) -> None:
    settings = example_settings(tmp_path)
    env = LocalEnvironment("local", settings)
    assert env.deploy(Release(app="shop", version="1.1"), lambda message: None).ok
    stop = threading.Event()
    telemetry = RunTelemetry(settings, env)

    def traffic() -> None:
        with httpx.Client(base_url=env.urls()["storefront"], timeout=5) as client:
            while not stop.is_set():
                client.get("/api/products/3")

    said: list[str] = []
    workers = [threading.Thread(target=traffic, daemon=True) for _ in range(4)]
    try:
        for worker in workers:
            worker.start()
        started = time.monotonic()
        with LiveWatch(
            "chaos",
            telemetry.services,
            ["p95_ms", "error_rate_pct"],
            telemetry.reading,
            said.append,
            reference=BASELINE_1_0,
            reference_label="shop 1.0",
            window_s=3.0,
            interval_s=0.5,
        ):
            while not said and time.monotonic() - started < 30:
                time.sleep(0.2)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=10)
        telemetry.stop()
        env.teardown()

    assert len(said) == 1, said
    assert said[0].startswith("chaos: storefront p95_ms ")
    assert "the normal band of shop 1.0" in said[0]
    assert time.monotonic() - started < 30
