"""The judge on a canary, as Kayenta does it: the canary's pods against the baseline's, in the
same window, from a real Prometheus (Debian's package). Release 1.0 plays the baseline pods, 1.1
the canary (scraped with `track="canary"`); SLIs select the track with `{track}`."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from actions.context import RunContext
from actions.environments.base import Release
from actions.environments.local import LocalEnvironment
from actions.plan import RunRequest
from actions.run_watch import RunWatch
from storage.store import Store
from tests.conftest import example_settings
from tests.prometheus_server import prometheus

pytestmark = pytest.mark.slow

P95 = (
    "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket"
    '{job="{service}", track="{track}"}[{window}])))'
)


@pytest.fixture(scope="module")
def pods(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, str]]]:
    """The baseline (1.0) and the canary (1.1), each a running shop."""
    envs = {}
    try:
        for track, version in (("baseline", "1.0"), ("canary", "1.1")):
            env = LocalEnvironment("local", example_settings(tmp_path_factory.mktemp(track)))
            assert env.deploy(Release(app="shop", version=version), lambda m: None).ok
            envs[track] = env
        yield {track: env.urls() for track, env in envs.items()}
    finally:
        for env in envs.values():
            env.teardown()


@pytest.fixture(scope="module")
def prometheus_url(
    pods: dict[str, dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("prometheus")
    jobs = ""
    for service in ("catalog", "storefront"):
        base, canary = (pods[t][service].split("//")[1] for t in ("baseline", "canary"))
        jobs += (
            f"  - job_name: {service}\n    static_configs:\n      - targets: ['{base}']\n"
            f"      - targets: ['{canary}']\n        labels: {{track: canary}}\n"
        )
    config = f"global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n{jobs}"
    with prometheus(config, tmp) as url:
        yield url


class _Canary:
    """A canary environment as the judge sees it: its services."""

    name, kind = "staging", "kubernetes"

    def __init__(self, urls: dict[str, str]) -> None:
        self._urls = urls

    def urls(self) -> dict[str, str]:
        return self._urls


def test_a_canary_is_judged_against_the_baseline_pods_in_the_same_window(
    pods: dict[str, dict[str, str]], prometheus_url: str, tmp_path: Path
) -> None:
    settings = example_settings(
        tmp_path,
        environments={
            "local": {"kind": "local"},
            "staging": {"kind": "kubernetes", "namespace": "shop", "canary": True},
        },
        telemetry={
            "prometheus": {"url": prometheus_url},
            "slis": [{"name": "p95_ms", "query": P95, "unit": "ms", "scale": 1000}],
            "judge": {"metrics": [{"name": "p95_ms"}], "step": "2s", "min_samples": 5},
        },
    )
    store = Store(tmp_path / "preprod.db")
    ctx = RunContext(settings=settings, store=store, run_id="1", workdir=tmp_path)
    request = RunRequest(
        verb="ready", app="shop", version="1.1", environment="staging", plan=["load", "analyze"]
    )
    watch = RunWatch(request, _Canary(pods["canary"]), ctx)  # type: ignore[arg-type]
    watch.start()
    stop = threading.Event()

    def traffic(url: str) -> None:
        while not stop.is_set():
            urllib.request.urlopen(url + "/api/products/3", timeout=5).read()

    workers = [
        threading.Thread(target=traffic, args=(pods[t]["storefront"],), daemon=True)
        for t in ("baseline", "canary", "canary")
    ]
    begun = time.time()
    for worker in workers:
        worker.start()
    try:
        time.sleep(20)
    finally:
        stop.set()
        for worker in workers:
            worker.join(10)
    watch.telemetry.mark("load", begun + 4, time.time())  # type: ignore[union-attr]
    time.sleep(2)  # the last scrape of the window

    result = watch.analyze()
    watch.stop()

    judge = result.data["judge"]
    assert judge["against"] == "the baseline pods in the same window"
    verdicts = {m["name"]: m for m in judge["metrics"]}
    assert verdicts["storefront p95_ms"]["classification"] == "high"
    assert verdicts["storefront p95_ms"]["effect_size"] > 3  # ~330 ms against ~30 ms
    assert verdicts["catalog p95_ms"]["classification"] == "pass"
    assert "regression judge against the baseline pods in the same window: fail" in result.summary
