"""Deploying to a kubernetes environment: rollouts watched to the end, stalls caught with evidence.

Against the fake API server (a real HTTP server with a controller and a kubelet), driven by the
official client, as in production.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from actions.environments.base import DeployOutcome, Release
from actions.environments.kubernetes.environment import KubernetesEnvironment
from tests.fakes.kube_api import (
    FakeKubernetes,
    crash_loop,
    image_pull_backoff,
    never_ready,
    slow_ready,
)
from tests.kubernetes.test_kube_helpers import (
    NAMESPACE,
    REPO,
    environment,
    image_of,
    seed_shop,
    shop_settings,
)

PROGRESS = re.compile(
    r"^catalog: \d/2 updated, \d ready, \d available \(generation \d+ observed \d+\)"
)


@pytest.fixture
def kube() -> Iterator[FakeKubernetes]:
    with FakeKubernetes(namespaces=(NAMESPACE,), seed=11) as fake:
        yield fake


@pytest.fixture
def env(kube: FakeKubernetes, tmp_path: Path) -> Iterator[KubernetesEnvironment]:
    seed_shop(kube)
    environment_ = environment(shop_settings(tmp_path, kube))
    yield environment_
    environment_.close()


def deploy(env: KubernetesEnvironment, version: str) -> tuple[DeployOutcome, list[str]]:
    said: list[str] = []
    return env.deploy(Release(app="shop", version=version), said.append), said


def test_good_release_rolls_out_every_service_in_dependency_order(
    env: KubernetesEnvironment, kube: FakeKubernetes
) -> None:
    outcome, said = deploy(env, "1.1")
    assert outcome.ok, outcome.details
    assert outcome.summary == "shop 1.1 deployed to qa: catalog rolled out, storefront rolled out"
    assert image_of(kube, "catalog") == f"{REPO}/catalog:1.1"
    assert image_of(kube, "storefront") == f"{REPO}/storefront:1.1"
    assert outcome.previous == Release(
        app="shop", version="1.0", services={"catalog": "1.0", "storefront": "1.0"}
    )
    assert said.index("catalog: rolled out") < said.index(
        f"storefront: 1.0 -> {REPO}/storefront:1.1"
    )
    assert any(PROGRESS.match(line) for line in said), said


def test_rollout_is_followed_with_a_watch_from_the_patch_not_by_polling(
    env: KubernetesEnvironment, kube: FakeKubernetes
) -> None:
    outcome, _ = deploy(env, "1.1")
    assert outcome.ok
    patch = next(r for r in kube.requests if r.method == "PATCH" and r.path.endswith("/catalog"))
    assert patch.content_type.startswith("application/strategic-merge-patch+json")
    watches = [r for r in kube.requests if r.watch and "deployments" in r.path]
    first = next(r for r in watches if r.query.get("fieldSelector") == "metadata.name=catalog")
    assert first.at >= patch.at and first.query.get("resourceVersion")
    reads = [r for r in kube.requests if r.method == "GET" and not r.watch]
    assert len(reads) < 40, "a rollout of two services should not need a stream of reads"


def test_unpullable_image_fails_the_deploy_at_once_and_stops_there(
    env: KubernetesEnvironment, kube: FakeKubernetes
) -> None:
    kube.behave(f"{REPO}/catalog:1.2", image_pull_backoff(error="manifest unknown"))
    outcome, _ = deploy(env, "1.2")
    assert not outcome.ok
    assert re.search(r"catalog: container catalog of pod \S+ cannot pull", outcome.summary)
    assert re.search(r"ErrImagePull|ImagePullBackOff", outcome.summary)
    text = "\n".join(outcome.details)
    assert re.search(r"catalog: waiting (ErrImagePull|ImagePullBackOff)", text)
    assert "not changed: storefront" in text
    assert image_of(kube, "storefront") == f"{REPO}/storefront:1.0"
    assert not [r for r in kube.requests if r.path.endswith("/log")]  # it never ran: no logs


def test_crash_loop_fails_with_the_containers_last_log_lines(
    env: KubernetesEnvironment, kube: FakeKubernetes
) -> None:
    logs = ("starting catalog 1.2", "fatal: cannot connect to database at db:5432")
    kube.behave(f"{REPO}/catalog:1.2", crash_loop(exit_code=3, logs=logs))
    outcome, _ = deploy(env, "1.2")
    assert not outcome.ok
    assert "is crash-looping (CrashLoopBackOff" in outcome.summary
    assert "last exit code 3" in outcome.summary
    text = "\n".join(outcome.details)
    assert "(exit code 3)" in text
    assert re.search(r"BackOff: Back-off restarting failed container catalog", text)
    assert re.search(r"last \d+ log lines of catalog-\S+/catalog", text)
    assert "  fatal: cannot connect to database at db:5432" in text


def test_failing_readiness_probe_fails_the_deploy_after_a_short_grace(
    env: KubernetesEnvironment, kube: FakeKubernetes
) -> None:
    kube.behave(f"{REPO}/catalog:1.2", never_ready("HTTP probe failed with statuscode: 503"))
    outcome, _ = deploy(env, "1.2")
    assert not outcome.ok
    assert "is running but never ready: readiness probe failing" in outcome.summary
    assert "statuscode: 503" in outcome.summary
    text = "\n".join(outcome.details)
    assert "Unhealthy: Readiness probe failed" in text
    assert "listening on :8080" in text  # the log of the unready container


def test_progress_deadline_exceeded_fails_the_deploy(kube: FakeKubernetes, tmp_path: Path) -> None:
    kube.seed_deployment(
        NAMESPACE,
        "catalog",
        f"{REPO}/catalog:1.0",
        container="catalog",
        progress_deadline_seconds=1,
    )
    kube.seed_deployment(NAMESPACE, "storefront", f"{REPO}/storefront:1.0", container="storefront")
    kube.behave(f"{REPO}/catalog:1.2", slow_ready(delay=60))
    env = environment(shop_settings(tmp_path, kube))
    outcome, _ = deploy(env, "1.2")
    assert not outcome.ok
    assert "progress deadline exceeded (1s)" in outcome.summary
    assert "has timed out progressing" in outcome.summary


def test_rollout_that_outlasts_the_timeout_fails_with_its_last_state(
    kube: FakeKubernetes, tmp_path: Path
) -> None:
    seed_shop(kube)
    kube.behave(f"{REPO}/catalog:1.2", slow_ready(delay=60))
    env = environment(shop_settings(tmp_path, kube, rollout_timeout="2s"))
    outcome, _ = deploy(env, "1.2")
    assert not outcome.ok
    assert "catalog: rollout did not finish within 2s: " in outcome.summary
    assert "updated" in outcome.summary


def test_failure_midway_leaves_the_updated_services_and_says_which(
    env: KubernetesEnvironment, kube: FakeKubernetes
) -> None:
    kube.behave(f"{REPO}/storefront:1.2", crash_loop())
    outcome, _ = deploy(env, "1.2")
    assert not outcome.ok
    assert outcome.summary.startswith("shop 1.2 failed on qa: storefront: ")
    assert "updated and rolled out before: catalog" in outcome.details
    assert "nothing was rolled back automatically; rollback undoes them" in outcome.details
    assert image_of(kube, "catalog") == f"{REPO}/catalog:1.2"


def test_deploying_the_running_version_changes_nothing(
    env: KubernetesEnvironment, kube: FakeKubernetes
) -> None:
    outcome, _ = deploy(env, "1.0")
    assert outcome.ok
    assert not [r for r in kube.requests if r.method == "PATCH"]
