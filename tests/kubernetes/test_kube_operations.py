"""Rolling back, reading status, logs and events, and canaries on a kubernetes environment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from actions.environments.base import Release
from actions.errors import EnvironmentFailure
from tests.fakes.kube_api import FakeKubernetes, crash_loop
from tests.kubernetes.test_kube_helpers import (
    NAMESPACE,
    REPO,
    REVISION,
    environment,
    image_of,
    seed_shop,
    shop_settings,
)


@pytest.fixture
def kube() -> Iterator[FakeKubernetes]:
    with FakeKubernetes(namespaces=(NAMESPACE,), seed=5) as fake:
        yield fake


def revision_of(kube: FakeKubernetes, deployment: str) -> int:
    found = kube.get("deployment", NAMESPACE, deployment) or {}
    return int(found["metadata"]["annotations"][REVISION])


def ignore(_: str) -> None:
    return None


# rollback ----------------------------------------------------------------------------------------


def test_rollback_restores_the_previous_revision_as_a_new_one(
    kube: FakeKubernetes, tmp_path: Path
) -> None:
    seed_shop(kube, version="1.1", history=("1.0",))
    env = environment(shop_settings(tmp_path, kube))
    assert revision_of(kube, "catalog") == 2
    said: list[str] = []
    outcome = env.rollback(said.append)
    assert outcome.ok, outcome.details
    assert outcome.release.version == "1.0" and outcome.previous is not None
    assert outcome.previous.version == "1.1"
    assert image_of(kube, "catalog") == f"{REPO}/catalog:1.0"
    assert image_of(kube, "storefront") == f"{REPO}/storefront:1.0"
    assert revision_of(kube, "catalog") == 3
    assert said.index("storefront: rolled out") < said.index("catalog: back to revision 1 (1.0)")
    patch = next(r for r in kube.requests if r.method == "PATCH")
    assert patch.content_type.startswith("application/json-patch+json")


def test_rollback_after_a_failed_deploy_undoes_only_what_that_deploy_changed(
    kube: FakeKubernetes, tmp_path: Path
) -> None:
    seed_shop(kube, version="1.1", history=("1.0",))
    kube.behave(f"{REPO}/storefront:1.2", crash_loop())
    env = environment(shop_settings(tmp_path, kube))
    failed = env.deploy(Release(app="shop", version="1.2"), ignore)
    assert not failed.ok and image_of(kube, "catalog") == f"{REPO}/catalog:1.2"
    outcome = env.rollback(ignore)
    assert outcome.ok, outcome.details
    assert image_of(kube, "catalog") == f"{REPO}/catalog:1.1"
    assert image_of(kube, "storefront") == f"{REPO}/storefront:1.1"
    assert outcome.release.version == "1.1"


def test_rollback_without_a_previous_revision_is_a_plain_failure(
    kube: FakeKubernetes, tmp_path: Path
) -> None:
    seed_shop(kube)
    env = environment(shop_settings(tmp_path, kube))
    with pytest.raises(EnvironmentFailure, match="deployment catalog has no previous revision"):
        env.rollback(ignore)
    assert not [r for r in kube.requests if r.method == "PATCH"]


# status, urls, logs, events ----------------------------------------------------------------------


def test_status_shows_each_workload_and_the_versions(kube: FakeKubernetes, tmp_path: Path) -> None:
    seed_shop(kube, version="1.1", history=("1.0",))
    env = environment(shop_settings(tmp_path, kube))
    status = env.status()
    assert (status.app, status.version, status.previous_version) == ("shop", "1.1", "1.0")
    assert status.healthy
    catalog = next(s for s in status.services if s.name == "catalog")
    assert catalog.images == [f"{REPO}/catalog:1.1"]
    assert (catalog.replicas, catalog.updated_replicas, catalog.ready_replicas) == (2, 2, 2)
    assert catalog.available_replicas == 2 and catalog.restarts == 0
    assert catalog.age_s is not None and 0 <= catalog.age_s < 60
    storefront = next(s for s in status.services if s.name == "storefront")
    assert storefront.url == f"http://storefront.{NAMESPACE}.svc:8080"


def test_status_after_a_crash_loop_shows_restarts_and_warnings(
    kube: FakeKubernetes, tmp_path: Path
) -> None:
    seed_shop(kube)
    kube.behave(f"{REPO}/catalog:1.2", crash_loop())
    env = environment(shop_settings(tmp_path, kube))
    env.deploy(Release(app="shop", version="1.2"), ignore)
    status = env.status()
    catalog = next(s for s in status.services if s.name == "catalog")
    assert not catalog.healthy and catalog.version == "1.2"
    assert catalog.restarts >= 2
    assert any("BackOff: Back-off restarting failed container" in w for w in catalog.warnings)
    assert len(catalog.warnings) <= 5
    assert status.version is None  # catalog 1.2, storefront 1.0


def test_urls_fill_namespace_and_service_and_leave_out_services_without_one(
    kube: FakeKubernetes, tmp_path: Path
) -> None:
    env = environment(shop_settings(tmp_path, kube))
    assert env.urls() == {"storefront": f"http://storefront.{NAMESPACE}.svc:8080"}


def test_logs_and_events_of_a_service(kube: FakeKubernetes, tmp_path: Path) -> None:
    seed_shop(kube)
    env = environment(shop_settings(tmp_path, kube))
    started = datetime.now(UTC) - timedelta(seconds=1)
    assert env.deploy(Release(app="shop", version="1.1"), ignore).ok
    lines = env.logs_window("catalog", since=started, until=None, tail=None)
    assert {line.container for line in lines} == {"catalog"}
    assert len({line.pod for line in lines}) == 2
    assert all(line.timestamp and line.timestamp >= started for line in lines)
    assert "listening on :8080" in [line.text for line in lines]
    assert env.logs("catalog", tail=3)[-1].endswith("listening on :8080")
    logs_request = next(r for r in kube.requests if r.path.endswith("/log"))
    assert logs_request.query.get("timestamps") == "true" and "sinceSeconds" in logs_request.query
    events = env.events("catalog", since=started)
    assert any(e.reason == "ScalingReplicaSet" and e.object == "Deployment/catalog" for e in events)
    assert all(e.object.split("/")[1].startswith("catalog") for e in events)


# canary ------------------------------------------------------------------------------------------


def test_canary_runs_beside_an_untouched_baseline_and_teardown_removes_only_it(
    kube: FakeKubernetes, tmp_path: Path
) -> None:
    seed_shop(kube)
    env = environment(shop_settings(tmp_path, kube, canary=True, canary_replicas=1))
    baseline = kube.get("deployment", NAMESPACE, "catalog") or {}
    outcome = env.deploy(Release(app="shop", version="1.1"), ignore)
    assert outcome.ok, outcome.details
    assert outcome.summary.startswith("canary of shop 1.1 deployed to qa")
    canary = kube.get("deployment", NAMESPACE, "catalog-canary") or {}
    assert canary["spec"]["replicas"] == 1
    assert image_of(kube, "catalog-canary") == f"{REPO}/catalog:1.1"
    assert canary["spec"]["selector"]["matchLabels"]["preprod.dev/track"] == "canary"
    after = kube.get("deployment", NAMESPACE, "catalog") or {}
    assert after["metadata"]["generation"] == baseline["metadata"]["generation"]
    assert image_of(kube, "catalog") == f"{REPO}/catalog:1.0"
    names = {s.name for s in env.status().services}
    assert {"catalog", "catalog-canary", "storefront-canary"} <= names

    env.teardown()
    assert kube.get("deployment", NAMESPACE, "catalog-canary") is None
    assert kube.get("deployment", NAMESPACE, "storefront-canary") is None
    assert kube.get("deployment", NAMESPACE, "catalog") is not None
    assert image_of(kube, "catalog") == f"{REPO}/catalog:1.0"
    deletes = [r.path.rsplit("/", 1)[1] for r in kube.requests if r.method == "DELETE"]
    assert sorted(deletes) == ["catalog-canary", "storefront-canary"]


def test_teardown_outside_canary_mode_sends_nothing(kube: FakeKubernetes, tmp_path: Path) -> None:
    seed_shop(kube)
    env = environment(shop_settings(tmp_path, kube))
    env.teardown()
    assert kube.requests == []


def test_teardown_never_deletes_a_deployment_that_only_looks_like_a_canary(
    kube: FakeKubernetes, tmp_path: Path
) -> None:
    seed_shop(kube)
    kube.seed_deployment(
        NAMESPACE,
        "catalog-canary",
        f"{REPO}/catalog:9",
        container="catalog",
        labels={"app": "catalog-canary", "preprod.dev/track": "canary"},
    )
    env = environment(shop_settings(tmp_path, kube, canary=True))
    env.teardown()
    assert kube.get("deployment", NAMESPACE, "catalog-canary") is not None
    with pytest.raises(EnvironmentFailure, match="preprod did not make it"):
        env.deploy(Release(app="shop", version="1.1"), ignore)
