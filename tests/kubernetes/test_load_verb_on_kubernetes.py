"""`load --workers N` on a kubernetes environment: Locust as Jobs in the namespace, end to end
through the bot, against the fake API server whose Job pods are real Locust processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.replies import Caller, Started
from bot.service import Preprod
from storage import runs
from storage.store import Store
from tests.kubernetes.locust_jobs import LocustJobRuntime
from tests.kubernetes.shop_cluster import NAMESPACE, ShopCluster, staging_settings

pytestmark = pytest.mark.slow
ENGINEER = Caller(user="local:eve", surface="cli", name="eve")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[ShopCluster]:
    shop = ShopCluster(tmp_path)
    runtime = LocustJobRuntime(shop.kube, tmp_path / "pods").start()
    try:
        shop.seed("1.0")
        shop.runtime = runtime  # type: ignore[attr-defined]
        yield shop
    finally:
        runtime.close()
        shop.close()


def make_bot(tmp_path: Path, cluster: ShopCluster, **env: object) -> Preprod:
    settings = staging_settings(tmp_path, cluster, **env)
    return Preprod(settings, Store(settings.resolve(settings.storage.path)))


def load(bot: Preprod, command: str) -> dict:
    started = bot.handle(command, ENGINEER)
    assert isinstance(started, Started), started
    bot.runner.wait(started.run_id, timeout=120)
    return runs.results_of(bot.store, started.run_id)[0]


def test_load_with_workers_runs_as_jobs_in_the_namespace(tmp_path: Path, cluster) -> None:
    bot = make_bot(tmp_path, cluster, load_image="registry.example/preprod:1")
    try:
        result = load(bot, "load staging --workers 2 --duration 4s --users 4")
    finally:
        bot.runner.shutdown()

    assert result["status"] == "pass", result["summary"]
    assert result["data"]["workers"] == 2 and result["data"]["aggregate"]["requests"] > 0
    endpoints = {e["name"] for e in result["data"]["endpoints"]}
    assert {"/api/products", "/api/products/[id]"} <= endpoints
    jobs = {j["metadata"]["name"]: j for j in cluster.runtime.seen_jobs}
    assert set(jobs) == {"preprod-load-run-1-master", "preprod-load-run-1-workers"}
    image = jobs["preprod-load-run-1-master"]["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "registry.example/preprod:1"
    assert not cluster.kube.list("jobs", NAMESPACE) and not cluster.kube.list(
        "configmaps", NAMESPACE, "preprod.dev/load-run=run-1"
    )


def test_without_a_load_image_the_step_says_what_to_set(tmp_path: Path, cluster) -> None:
    bot = make_bot(tmp_path, cluster)
    try:
        result = load(bot, "load staging --workers 2")
    finally:
        bot.runner.shutdown()
    assert result["status"] == "error"
    assert "needs `load_image` in the environment's config" in result["summary"]
    assert not cluster.runtime.seen_jobs
