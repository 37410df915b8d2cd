"""Chaos on a kubernetes environment, through the real client against the fake API server: pods
deleted and replaced, a Deployment scaled to zero and back, network faults as Chaos Mesh
resources, everything undone and restored, and a protected environment never touched."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from pydantic import TypeAdapter

from actions.chaos.method import Action, Fault
from actions.environments.kubernetes.chaos import KubernetesInjector
from actions.environments.kubernetes.chaos_mesh import chaos_spec, resource_name
from actions.errors import EnvironmentFailure, NotAvailable, PermissionDenied
from tests.fakes.kube_api import FakeKubernetes, never_ready
from tests.kubernetes.test_kube_helpers import NAMESPACE, REPO, environment, shop_settings

ACTIONS: TypeAdapter[Any] = TypeAdapter(Action)
REF = "exp1-0"
NAME = f"preprod-{REF}"


def fault(**data: Any) -> Fault:
    """A fault as an experiment's method declares it (30 s unless said)."""
    found = ACTIONS.validate_python({"duration": "30s", **data})
    assert not isinstance(found, dict)
    return found  # type: ignore[no-any-return]


@pytest.fixture
def kube() -> Iterator[FakeKubernetes]:
    with FakeKubernetes(namespaces=(NAMESPACE,), seed=11) as fake:
        fake.seed_deployment(
            NAMESPACE,
            "catalog",
            f"{REPO}/catalog:1.0",
            replicas=2,
            container="catalog",
            ports=[
                {"name": "metrics", "containerPort": 9090},
                {"name": "http", "containerPort": 8080},
            ],
        )
        fake.seed_deployment(  # no port: HTTPChaos has nothing to intercept
            NAMESPACE, "storefront", f"{REPO}/storefront:1.0", replicas=2, container="storefront"
        )
        yield fake


@pytest.fixture
def mesh(kube: FakeKubernetes) -> FakeKubernetes:
    kube.install_chaos_mesh()
    return kube


def injector_for(kube: FakeKubernetes, tmp_path: Path, **env: Any) -> KubernetesInjector:
    return KubernetesInjector(
        environment(shop_settings(tmp_path, kube, **env)), ready_timeout_s=10, poll_s=0.05
    )


@pytest.fixture
def injector(kube: FakeKubernetes, tmp_path: Path) -> KubernetesInjector:
    return injector_for(kube, tmp_path)


def changes(kube: FakeKubernetes) -> list[str]:
    return [f"{r.method} {r.path}" for r in kube.requests if r.method != "GET"]


def ready_pods(kube: FakeKubernetes, app: str) -> list[str]:
    return sorted(
        p["metadata"]["name"]
        for p in kube.list("pods", NAMESPACE, f"app={app}")
        if not p["metadata"].get("deletionTimestamp")
        and any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"]["conditions"])
    )


def desired(kube: FakeKubernetes, deployment: str) -> int:
    return int((kube.get("deployment", NAMESPACE, deployment) or {})["spec"]["replicas"])


# what the environment offers -------------------------------------------------------------------


def test_the_environment_hands_out_its_injector(kube: FakeKubernetes, tmp_path: Path) -> None:
    injector = environment(shop_settings(tmp_path, kube)).chaos_injector()
    assert isinstance(injector, KubernetesInjector) and injector.environment == "qa"
    assert injector.replicas() == {"catalog": 2, "storefront": 2}
    assert injector.snapshot("catalog") == {"replicas": 2}


# shutdown and scale to zero --------------------------------------------------------------------


def test_shutdown_deletes_the_oldest_pod_and_undo_waits_for_its_replacement(
    kube: FakeKubernetes, injector: KubernetesInjector
) -> None:
    pods = kube.list("pods", NAMESPACE, "app=catalog")
    oldest = min(pods, key=lambda p: (p["metadata"]["creationTimestamp"], p["metadata"]["name"]))
    shutdown = fault(type="shutdown", service="catalog", instances=1)
    undo = injector.prepare(shutdown, REF)
    assert undo == {"pods": [oldest["metadata"]["name"]], "of": 2}
    assert changes(kube) == []  # prepare only reads

    said = injector.apply(shutdown, undo)
    assert said == f"deleted 1 of 2 pods of catalog: {oldest['metadata']['name']}"
    assert changes(kube) == [
        f"DELETE /api/v1/namespaces/{NAMESPACE}/pods/{oldest['metadata']['name']}"
    ]

    assert injector.undo("shutdown", "catalog", undo) == "catalog: 2 of 2 pods ready"
    now_ready = ready_pods(kube, "catalog")
    assert len(now_ready) == 2 and oldest["metadata"]["name"] not in now_ready
    assert injector.undo("shutdown", "catalog", undo) == "catalog: 2 of 2 pods ready"


def test_shutdown_of_every_instance_deletes_them_all(
    kube: FakeKubernetes, injector: KubernetesInjector
) -> None:
    shutdown = fault(type="shutdown", service="catalog", instances="all")
    undo = injector.prepare(shutdown, REF)
    assert injector.apply(shutdown, undo).startswith("deleted 2 of 2 pods of catalog: ")
    kube.wait_until(lambda: all(kube.get("pod", NAMESPACE, n) is None for n in undo["pods"]))
    again = injector.apply(shutdown, undo)  # a repeat deletes no replacement
    assert again == f"deleted 0 of 2 pods of catalog ({', '.join(undo['pods'])} already gone)"
    injector.undo("shutdown", "catalog", undo)
    assert not set(undo["pods"]) & set(ready_pods(kube, "catalog"))


def test_undo_of_a_shutdown_gives_up_plainly_when_no_pod_comes_back(
    kube: FakeKubernetes, tmp_path: Path
) -> None:
    injector = KubernetesInjector(
        environment(shop_settings(tmp_path, kube)), ready_timeout_s=0.3, poll_s=0.05
    )
    kube.behave(f"{REPO}/catalog:1.0", never_ready())  # the replacement never gets ready
    shutdown = fault(type="shutdown", service="catalog", instances=1)
    injector.apply(shutdown, injector.prepare(shutdown, REF))
    with pytest.raises(EnvironmentFailure, match=r"catalog has 1 of 2 pods ready after 0.3s"):
        injector.undo("shutdown", "catalog", {})


def test_scale_to_zero_then_undo_brings_the_replicas_back(
    kube: FakeKubernetes, injector: KubernetesInjector
) -> None:
    scale = fault(type="scale_to_zero", service="catalog")
    undo = injector.prepare(scale, REF)
    assert undo == {"replicas": 2} and changes(kube) == []
    assert injector.apply(scale, undo) == "scaled catalog from 2 to 0 replicas"
    assert desired(kube, "catalog") == 0
    assert changes(kube) == [
        f"PATCH /apis/apps/v1/namespaces/{NAMESPACE}/deployments/catalog/scale"
    ]
    kube.wait_until(lambda: not kube.list("pods", NAMESPACE, "app=catalog"))

    said = injector.undo("scale_to_zero", "catalog", undo)
    assert said == "catalog: scaled catalog from 0 back to 2 replicas; 2 of 2 pods ready"
    assert desired(kube, "catalog") == 2 and len(ready_pods(kube, "catalog")) == 2
    assert injector.undo("scale_to_zero", "catalog", undo) == "catalog: 2 of 2 pods ready"


# network faults through Chaos Mesh -------------------------------------------------------------


def test_latency_is_a_network_chaos_delay_that_undo_deletes(
    mesh: FakeKubernetes, injector: KubernetesInjector
) -> None:
    latency = fault(
        type="latency", service="catalog", delay="300ms", jitter="50ms", instances=1, duration="20s"
    )
    undo = injector.prepare(latency, REF)
    assert undo == {"kind": "NetworkChaos", "name": NAME, "namespace": NAMESPACE}
    assert changes(mesh) == []

    said = injector.apply(latency, undo)
    assert said == f"NetworkChaos {NAME}: 300ms ± 50ms of delay on 1 of 2 pods of catalog for 20s"
    created = mesh.get("networkchaos", NAMESPACE, NAME)
    assert created is not None
    assert created["metadata"]["labels"] == {
        "preprod.io/chaos": REF,
        "preprod.io/service": "catalog",
    }
    assert created["spec"] == {
        "selector": {"namespaces": [NAMESPACE], "labelSelectors": {"app": "catalog"}},
        "mode": "fixed",
        "value": "1",
        "duration": "20s",
        "action": "delay",
        "delay": {"latency": "300ms", "jitter": "50ms"},
    }

    assert injector.undo("latency", "catalog", undo) == f"deleted NetworkChaos {NAME}"
    assert mesh.get("networkchaos", NAMESPACE, NAME) is None
    assert injector.undo("latency", "catalog", undo) == f"NetworkChaos {NAME} already gone"


NETWORK_SPECS: dict[str, tuple[dict[str, Any], str, dict[str, Any]]] = {
    "errors": (
        {"status": 502},
        "httpchaos",
        {"target": "Response", "port": 8080, "replace": {"code": 502}},
    ),
    "reset": ({}, "httpchaos", {"target": "Request", "port": 8080, "abort": True}),
    "blackhole": ({}, "networkchaos", {"action": "loss", "loss": {"loss": "100"}}),
    "bandwidth": (
        {"rate": "256kbps"},
        "networkchaos",  # 256 kbit/s is 32000 bytes/s: Chaos Mesh's `bps` counts bytes
        {
            "action": "bandwidth",
            "bandwidth": {"rate": "32000bps", "limit": 20971520, "buffer": 10000},
        },
    ),
}


@pytest.mark.parametrize("kind", NETWORK_SPECS)
def test_each_network_fault_creates_its_chaos_mesh_resource(
    mesh: FakeKubernetes, injector: KubernetesInjector, kind: str
) -> None:
    extra, plural, expected = NETWORK_SPECS[kind]
    network = fault(type=kind, service="catalog", instances="all", **extra)
    undo = injector.prepare(network, REF)
    injector.apply(network, undo)
    created = mesh.get(plural, NAMESPACE, NAME)
    assert created is not None
    assert created["spec"] == {
        "selector": {"namespaces": [NAMESPACE], "labelSelectors": {"app": "catalog"}},
        "mode": "all",
        "duration": "30s",
        **expected,
    }
    injector.undo(kind, "catalog", undo)
    assert mesh.list(plural, NAMESPACE) == []


def test_an_error_rate_below_one_is_said_to_apply_to_every_request(
    mesh: FakeKubernetes, injector: KubernetesInjector
) -> None:
    errors = fault(type="errors", service="catalog", rate="50%")
    said = injector.apply(errors, injector.prepare(errors, REF))
    assert said == (
        f"HTTPChaos {NAME}: responses replaced by HTTP 503 (every request, not 50%: HTTPChaos "
        "has no rate) on 1 of 2 pods of catalog on port 8080 for 30s"
    )


def test_without_chaos_mesh_a_network_fault_is_not_available(
    kube: FakeKubernetes, injector: KubernetesInjector
) -> None:
    with pytest.raises(NotAvailable) as raised:
        injector.prepare(fault(type="latency", service="catalog", delay="100ms"), REF)
    assert str(raised.value) == (
        "latency on catalog is not available in this cluster: Chaos Mesh "
        "(chaos-mesh.org/v1alpha1) is not installed"
    )
    assert changes(kube) == []


def test_an_http_fault_on_a_container_without_a_port_is_not_available(
    mesh: FakeKubernetes, injector: KubernetesInjector
) -> None:
    with pytest.raises(NotAvailable, match="declares no TCP port for HTTPChaos to intercept"):
        injector.prepare(fault(type="errors", service="storefront"), REF)


# restore, safety and plain errors --------------------------------------------------------------


def test_restore_removes_the_services_experiments_and_brings_its_replicas_back(
    mesh: FakeKubernetes, injector: KubernetesInjector
) -> None:
    before = injector.snapshot("catalog")
    faults = [
        (fault(type="scale_to_zero", service="catalog"), "exp1-0"),
        (fault(type="blackhole", service="catalog", instances=1), "exp1-1"),
        (fault(type="latency", service="storefront", delay="1s", instances=1), "exp1-2"),
    ]
    for each, ref in faults:
        injector.apply(each, injector.prepare(each, ref))
    assert desired(mesh, "catalog") == 0

    said = injector.restore("catalog", before)
    assert said == (
        "catalog: deleted NetworkChaos preprod-exp1-1; scaled catalog from 0 back to 2 "
        "replicas; 2 of 2 pods ready"
    )
    names = [o["metadata"]["name"] for o in mesh.list("networkchaos", NAMESPACE)]
    assert names == ["preprod-exp1-2"]  # another service's experiment stays
    assert len(ready_pods(mesh, "catalog")) == 2
    assert injector.restore("catalog", before) == "catalog: 2 of 2 pods ready"


CHANGES: dict[str, Callable[[KubernetesInjector], object]] = {
    "prepare": lambda i: i.prepare(fault(type="shutdown", service="catalog"), REF),
    "apply": lambda i: i.apply(fault(type="scale_to_zero", service="catalog"), {"replicas": 2}),
    "undo": lambda i: i.undo("scale_to_zero", "catalog", {"replicas": 2}),
    "restore": lambda i: i.restore("catalog", {"replicas": 2}),
}


@pytest.mark.parametrize("call", CHANGES)
def test_a_protected_environment_refuses_every_change_before_any_request(
    mesh: FakeKubernetes, tmp_path: Path, call: str
) -> None:
    injector = injector_for(mesh, tmp_path, protected=True)
    with pytest.raises(PermissionDenied, match="environment qa is protected: read-only"):
        CHANGES[call](injector)
    assert mesh.requests == []


def test_undo_data_naming_another_namespace_is_refused(
    mesh: FakeKubernetes, injector: KubernetesInjector
) -> None:
    undo = {"kind": "NetworkChaos", "name": NAME, "namespace": "kube-system"}
    with pytest.raises(EnvironmentFailure, match="names namespace kube-system, not shop-qa"):
        injector.undo("latency", "catalog", undo)
    assert changes(mesh) == []


def test_an_api_failure_is_a_plain_error(
    kube: FakeKubernetes, injector: KubernetesInjector
) -> None:
    kube.store.remove("deployments", NAMESPACE, "catalog")
    with pytest.raises(EnvironmentFailure) as raised:
        injector.undo("scale_to_zero", "catalog", {"replicas": 2})
    assert str(raised.value) == f"reading deployment catalog in namespace {NAMESPACE}: not found"


# the fake's Chaos Mesh -------------------------------------------------------------------------


def test_the_fake_serves_chaos_mesh_only_once_installed(kube: FakeKubernetes) -> None:
    with kube.api_client() as api:
        groups = {g.name for g in client.ApisApi(api).get_api_versions().groups}
        assert "chaos-mesh.org" not in groups
        custom = client.CustomObjectsApi(api)
        with pytest.raises(ApiException) as raised:
            custom.list_namespaced_custom_object(
                "chaos-mesh.org", "v1alpha1", NAMESPACE, "networkchaos"
            )
        assert raised.value.status == 404

        kube.install_chaos_mesh()
        groups = {g.name for g in client.ApisApi(api).get_api_versions().groups}
        assert "chaos-mesh.org" in groups
        served = custom.get_api_resources("chaos-mesh.org", "v1alpha1").resources
        assert {r.name for r in served} == {"networkchaos", "httpchaos"}
        bad = {"metadata": {"name": "x"}, "spec": {"mode": "sometimes", "selector": {}}}
        with pytest.raises(ApiException) as invalid:
            custom.create_namespaced_custom_object(
                "chaos-mesh.org", "v1alpha1", NAMESPACE, "networkchaos", bad
            )
        assert invalid.value.status == 422 and "spec.action: Required value" in str(
            invalid.value.body
        )


def test_chaos_spec_touches_everything_when_asked_for_more_than_there_is() -> None:
    latency = fault(type="latency", service="catalog", delay="1s", instances=3, duration="1.2s")
    spec = chaos_spec(latency, "ns", {"matchLabels": {"app": "catalog"}}, 3, 2, None)
    assert spec["mode"] == "all" and "value" not in spec
    assert spec["duration"] == "2s"  # rounded up: at least as long as asked


def test_a_reference_becomes_a_valid_name_and_label_value() -> None:
    assert resource_name("Weekly Drill/7-0") == "preprod-weekly-drill-7-0"
    assert len(resource_name("x" * 100)) == 63
