"""Safety and failure of a kubernetes environment: allowlists and `protected` enforced before any
request, plain errors when the API server is unreachable or refuses us, watches that expire."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from actions.environments.base import Release
from actions.environments.kubernetes.client import KubeApi
from actions.environments.kubernetes.environment import KubernetesEnvironment
from actions.errors import BackendUnavailable, ConfigError, PermissionDenied
from tests.fakes.kube_api import FakeKubernetes
from tests.kubernetes.test_kube_helpers import (
    NAMESPACE,
    POLICY,
    environment,
    image_of,
    seed_shop,
    shop_settings,
)

RELEASE = Release(app="shop", version="1.1")


def ignore(_: str) -> None:
    return None


CALLS: dict[str, Callable[[KubernetesEnvironment], Any]] = {
    "deploy": lambda env: env.deploy(RELEASE, ignore),
    "rollback": lambda env: env.rollback(ignore),
    "teardown": lambda env: env.teardown(),
    "status": lambda env: env.status(),
    "urls": lambda env: env.urls(),
    "logs": lambda env: env.logs("catalog"),
    "logs_window": lambda env: env.logs_window("catalog", None, None, 10),
    "events": lambda env: env.events(),
}
MUTATING = ("deploy", "rollback", "teardown")


@pytest.fixture
def kube() -> Iterator[FakeKubernetes]:
    with FakeKubernetes(namespaces=(NAMESPACE, "kube-system"), seed=2) as fake:
        seed_shop(fake)
        yield fake


@pytest.mark.parametrize("method", CALLS)
def test_namespace_outside_the_allowlist_is_refused_before_any_request(
    kube: FakeKubernetes, tmp_path: Path, method: str
) -> None:
    settings = shop_settings(tmp_path, kube, allowed_namespaces=[NAMESPACE])
    settings.environments["qa"].namespace = "kube-system"  # e.g. edited after validation
    env = environment(settings)
    with pytest.raises(PermissionDenied, match="namespace 'kube-system' is outside its allowlist"):
        CALLS[method](env)
    assert kube.requests == []


def test_a_client_bound_to_another_namespace_is_refused(
    kube: FakeKubernetes, tmp_path: Path
) -> None:
    api = KubeApi(api_client=kube.api_client(), namespace="kube-system", context="fake")
    env = KubernetesEnvironment("qa", shop_settings(tmp_path, kube), api, policy=POLICY)
    with pytest.raises(PermissionDenied, match="outside its allowlist"):
        env.status()
    api.close()
    assert kube.requests == []


def test_a_kubeconfig_context_outside_the_allowlist_is_refused(
    kube: FakeKubernetes, tmp_path: Path
) -> None:
    settings = shop_settings(tmp_path, kube, context=None, allowed_contexts=["production-like"])
    with pytest.raises(PermissionDenied, match="context 'fake' is outside its allowlist"):
        environment(settings).status()
    assert kube.requests == []


@pytest.mark.parametrize("method", MUTATING)
def test_protected_environment_refuses_changes_before_any_request(
    kube: FakeKubernetes, tmp_path: Path, method: str
) -> None:
    env = environment(shop_settings(tmp_path, kube, protected=True, canary=True))
    with pytest.raises(PermissionDenied, match=r"^environment qa is protected: read-only$"):
        CALLS[method](env)
    assert kube.requests == []


def test_protected_environment_still_reads(kube: FakeKubernetes, tmp_path: Path) -> None:
    env = environment(shop_settings(tmp_path, kube, protected=True))
    assert env.status().version == "1.0"
    assert env.logs("catalog", tail=5)
    assert env.urls()
    assert all(r.method == "GET" for r in kube.requests)


def test_unreachable_api_server_is_a_plain_error(kube: FakeKubernetes, tmp_path: Path) -> None:
    env = environment(shop_settings(tmp_path, kube))
    url = kube.url
    kube.close()
    with pytest.raises(BackendUnavailable) as err:
        env.status()
    assert str(err.value) == f"cannot reach the Kubernetes API at {url}: connection refused"


def test_rejected_credentials_are_a_plain_error(kube: FakeKubernetes, tmp_path: Path) -> None:
    configuration = kube.configuration()
    configuration.api_key = {"authorization": "Bearer wrong"}
    api = KubeApi(api_client=client.ApiClient(configuration), namespace=NAMESPACE, context="fake")
    env = KubernetesEnvironment("qa", shop_settings(tmp_path, kube), api, policy=POLICY)
    with pytest.raises(BackendUnavailable) as err:
        env.deploy(RELEASE, ignore)
    message = str(err.value)
    assert message.startswith(f"the Kubernetes API at {kube.url} did not accept")
    assert "401 Unauthorized" in message
    assert "HTTP response headers" not in message and "\n" not in message
    assert image_of(kube, "catalog").endswith(":1.0")
    api.close()


def test_a_watch_whose_history_expired_is_resumed_from_a_fresh_list(
    kube: FakeKubernetes, tmp_path: Path
) -> None:
    env = environment(shop_settings(tmp_path, kube))
    stop = threading.Event()

    def compact_repeatedly() -> None:
        while not stop.wait(0.1):
            kube.compact()

    compactor = threading.Thread(target=compact_repeatedly, daemon=True)
    compactor.start()
    try:
        outcome = env.deploy(RELEASE, ignore)
    finally:
        stop.set()
        compactor.join()
    assert outcome.ok, outcome.details
    relists = [
        r
        for r in kube.requests
        if not r.watch and r.query.get("fieldSelector") == "metadata.name=catalog"
    ]
    assert relists, "a 410 Expired watch should be followed by a list"


def test_unknown_app_or_service_is_a_config_error(kube: FakeKubernetes, tmp_path: Path) -> None:
    env = environment(shop_settings(tmp_path, kube))
    with pytest.raises(ConfigError, match="unknown app 'blog'"):
        env.deploy(Release(app="blog", version="1"), ignore)
    with pytest.raises(ConfigError, match="no such service: search"):
        env.rollback(ignore, services=["search"])
    assert kube.requests == []
