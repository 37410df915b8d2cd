"""Distributed load as Kubernetes Jobs: the objects built, the master's statistics read from its
log, and everything deleted afterwards — against the fake API with real Locust processes."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from actions.config import EnvironmentConfig
from actions.environments.base import Release
from actions.environments.kubernetes.client import connect
from actions.environments.kubernetes.load_jobs import (
    ClusterLoad,
    LoadJob,
    configmap_body,
    job_state,
    master_job_body,
    service_body,
    stats_from_log,
    worker_job_body,
)
from actions.environments.kubernetes.resources import Cluster
from actions.environments.local import LocalEnvironment
from actions.errors import EnvironmentFailure
from actions.testing.locust_json import parse_stats_json
from tests.conftest import ROOT, example_settings
from tests.fakes.kube_api import FakeKubernetes
from tests.kubernetes.locust_jobs import LocustJobRuntime

NAMESPACE = "load-test"


def job(host: str = "http://storefront:8080", workers: int = 2, duration: str = "4s") -> LoadJob:
    return LoadJob(
        run="run-7",
        image="registry.example/preprod:1",
        files={"locustfile.py": (ROOT / "examples/shop/load/locustfile.py").read_text()},
        locustfile="locustfile.py",
        headless_args=["-u", "4", "-r", "4", "-t", duration, "--host", host],
        workers=workers,
        timeout_s=60,
    )


def test_the_master_and_workers_are_jobs_that_share_the_configmap_and_a_service() -> None:
    j = job()
    master, workers = master_job_body(j), worker_job_body(j, NAMESPACE)
    assert configmap_body(j)["data"]["locustfile.py"].startswith('"""')
    assert service_body(j)["spec"]["selector"]["preprod.dev/load-role"] == "master"
    m = master["spec"]["template"]["spec"]["containers"][0]["command"]
    assert m[:5] == ["python", "-m", "locust", "-f", "/preprod-load/locustfile.py"]
    assert {"--master", "--headless", "--json"} <= set(m)
    assert m[m.index("--expect-workers") + 1] == "2"
    w = workers["spec"]["template"]["spec"]["containers"][0]["command"]
    assert w[w.index("--master-host") + 1] == "preprod-load-run-7-master.load-test.svc"
    assert (workers["spec"]["parallelism"], workers["spec"]["completions"]) == (2, 2)
    for body in (master, workers):
        assert body["spec"]["backoffLimit"] == 0
        assert body["spec"]["template"]["spec"]["restartPolicy"] == "Never"
        assert body["metadata"]["labels"]["preprod.dev/load-run"] == "run-7"


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ({}, "pending"),
        ({"active": 1}, "running"),
        ({"succeeded": 1}, "succeeded"),
        ({"failed": 1, "active": 0}, "failed"),
        ({"active": 1, "conditions": [{"type": "Complete", "status": "True"}]}, "succeeded"),
        ({"conditions": [{"type": "Failed", "status": "False"}], "active": 1}, "running"),
    ],
)
def test_a_jobs_state_comes_from_its_status(status: dict, state: str) -> None:
    assert job_state({"status": status}) == state


def test_the_statistics_are_found_among_the_masters_log_lines() -> None:
    stats = [{"name": "/api/products", "method": "GET", "num_requests": 3}]
    log = (
        "[2026-11-25 19:00:00,000] master/INFO/locust.main: Starting Locust 2.47\n"
        "[2026-11-25 19:00:01,000] master/INFO/locust.runners: worker connected\n"
        + json.dumps(stats, indent=4)
        + "\nType     Name   # reqs\n"
    )
    assert json.loads(stats_from_log(log)) == stats
    with pytest.raises(EnvironmentFailure, match="holds no statistics"):
        stats_from_log("[2026-11-25] master/INFO: no json here\n")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[FakeKubernetes, LocustJobRuntime, Cluster]]:
    kube = FakeKubernetes(namespaces=(NAMESPACE,)).start()
    runtime = LocustJobRuntime(kube, tmp_path / "pods").start()
    env = EnvironmentConfig(
        kind="kubernetes", namespace=NAMESPACE, kubeconfig=str(kube.kubeconfig(tmp_path))
    )
    api = connect("staging", env, tmp_path)
    try:
        yield kube, runtime, Cluster(api)
    finally:
        api.close()
        runtime.close()
        kube.close()


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[str]:
    env = LocalEnvironment("local", example_settings(tmp_path / "shop"))
    assert env.deploy(Release(app="shop", version="1.0"), lambda m: None).ok
    try:
        yield env.urls()["storefront"]
    finally:
        env.teardown()


def _leftovers(kube: FakeKubernetes) -> list[str]:
    selector = "preprod.dev/load-run=run-7"
    return [
        f"{kind}/{o['metadata']['name']}"
        for kind in ("jobs", "services", "configmaps")
        for o in kube.list(kind, NAMESPACE, selector)
    ]


def test_a_distributed_load_runs_as_jobs_and_leaves_nothing_behind(cluster, shop: str) -> None:
    kube, runtime, api = cluster
    said: list[str] = []

    outcome = ClusterLoad(api, poll_s=0.2).run(
        job(shop), cancel_event=threading.Event(), progress=said.append
    )

    assert outcome.state == "succeeded" and not outcome.timed_out
    stats = parse_stats_json(stats_from_log(outcome.log))
    assert stats.aggregate.requests > 0
    assert {e.name for e in stats.endpoints} >= {"/api/products", "/api/products/[id]"}
    assert said[0] == "load: Locust master and 2 worker(s) started as Jobs"
    assert {j["metadata"]["name"] for j in runtime.seen_jobs} == {
        "preprod-load-run-7-master",
        "preprod-load-run-7-workers",
    }
    assert "worker" in outcome.log.lower() and "2 workers" in outcome.log  # really distributed
    kube.wait_until(lambda: not _leftovers(kube), message=f"left: {_leftovers(kube)}")


def test_a_cancel_stops_the_load_and_deletes_its_jobs(cluster, shop: str) -> None:
    kube, runtime, api = cluster
    cancel = threading.Event()
    threading.Timer(2.0, cancel.set).start()
    started = time.monotonic()

    outcome = ClusterLoad(api, poll_s=0.2).run(
        job(shop, duration="60s"), cancel_event=cancel, progress=lambda m: None
    )

    assert outcome.cancelled and time.monotonic() - started < 15
    assert not _leftovers(kube)
    kube.wait_until(
        lambda: all(p.poll() is not None for g in runtime.processes.values() for p in g),
        timeout=15,
        message="the deleted Jobs' Locust processes are still running",
    )
