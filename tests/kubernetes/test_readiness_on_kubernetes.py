"""The demo's readiness run on a `kubernetes` environment, against the fake API server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.replies import Caller, Started
from bot.service import Preprod
from storage import runs
from storage.store import Store
from tests.kubernetes.shop_cluster import NAMESPACE, ShopCluster, staging_settings

pytestmark = pytest.mark.slow
ENGINEER = Caller(user="local:eve", surface="cli", name="eve")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[ShopCluster]:
    shop = ShopCluster(tmp_path)
    try:
        shop.seed("1.0")
        yield shop
    finally:
        shop.close()


@pytest.fixture
def bot(tmp_path: Path, cluster: ShopCluster) -> Iterator[Preprod]:
    settings = staging_settings(tmp_path, cluster, rollout_timeout="60s")
    # No Prometheus in this cluster: the services' own-metrics SLO has no source here.
    settings.plan = [step for step in settings.plan if step != "analyze"]
    settings.slos = [slo for slo in settings.slos if not slo.metric.startswith("analyze.")]
    bot = Preprod(settings, Store(settings.resolve(settings.storage.path)))
    yield bot
    bot.runner.shutdown()


def _ready(bot: Preprod, version: str) -> dict:
    started = bot.handle(f"ready shop {version}", ENGINEER)
    assert isinstance(started, Started), started
    bot.runner.wait(started.run_id, timeout=180)
    return runs.get_run(bot.store, started.run_id) or {}


def test_the_good_release_is_go_and_the_candidate_no_go_on_kubernetes(
    bot: Preprod, cluster: ShopCluster
) -> None:
    good = _ready(bot, "1.0")
    assert (good["status"], good["verdict"]) == ("done", "go"), good["summary"]

    bad = _ready(bot, "1.1")
    assert (bad["status"], bad["verdict"]) == ("done", "no-go"), bad["summary"]
    steps = {s["name"]: s for s in runs.steps_of(bot.store, bad["id"])}
    assert steps["deploy"]["status"] == "pass"
    assert steps["e2e"]["status"] == "fail"
    # the shop's seed databases are a local environment's files: said, not guessed
    assert steps["seed"]["status"] == "skipped"
    assert "catalog, orders of shop are local files" in steps["seed"]["summary"]
    report = Path(bad["report_path"]).read_text()
    assert "key SLO failed: product page p95 latency" in report
    deployment = cluster.kube.get("deployment", NAMESPACE, "storefront")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":1.1")
    watches = [r for r in cluster.kube.requests if "watch" in str(r)]
    assert watches, "the rollout was followed with a watch"
