"""The fake Kubernetes API answers the official client the way a real cluster does."""

from __future__ import annotations

import base64
import json
import threading
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException

from tests.fakes.kube_api import (
    FakeKubernetes,
    crash_loop,
    image_pull_backoff,
    never_ready,
    slow_ready,
)

REVISION = "deployment.kubernetes.io/revision"


@pytest.fixture
def kube() -> Iterator[FakeKubernetes]:
    with FakeKubernetes(seed=7) as fake:
        yield fake


@pytest.fixture
def api(kube: FakeKubernetes) -> Iterator[client.ApiClient]:
    with kube.api_client() as api_client:
        yield api_client


@pytest.fixture
def apps(api: client.ApiClient) -> client.AppsV1Api:
    return client.AppsV1Api(api)


@pytest.fixture
def core(api: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(api)


def deployment(name: str = "web", image: str = "shop:1", replicas: int = 2, **spec: Any) -> dict:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
            **spec,
        },
    }


def image_patch(image: str) -> dict:
    return {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}}


def condition(obj: dict, type_: str) -> dict:
    return next(c for c in obj["status"].get("conditions", []) if c["type"] == type_)


def rolled_out(kube: FakeKubernetes, name: str, replicas: int, ns: str = "default") -> bool:
    d = kube.get("deployment", ns, name) or {}
    status = d.get("status", {})
    return bool(
        status.get("observedGeneration") == d["metadata"]["generation"]
        and status.get("updatedReplicas") == replicas
        and status.get("availableReplicas") == replicas
        and status.get("replicas") == replicas
    )


def container(kube: FakeKubernetes, pod: str) -> dict:
    """The first container status of a pod ({} until the kubelet has written one)."""
    statuses = ((kube.get("pod", "default", pod) or {}).get("status") or {}).get(
        "containerStatuses"
    )
    return statuses[0] if statuses else {"state": {}}


def only_pod(kube: FakeKubernetes, app: str) -> str:
    pods = kube.wait_until(lambda: kube.list("pods", "default", f"app={app}"))
    return pods[0]["metadata"]["name"]


def reasons(kube: FakeKubernetes, name: str) -> list[str]:
    return [e["reason"] for e in kube.events("default", involved=name)]


# connecting ----------------------------------------------------------------------------------


def test_kubeconfig_points_the_client_at_the_fake(kube: FakeKubernetes, tmp_path: Path) -> None:
    path = kube.kubeconfig(tmp_path / "config", namespace="shop")
    with config.new_client_from_config(config_file=str(path)) as api:
        core = client.CoreV1Api(api)
        core.create_namespace({"metadata": {"name": "shop"}})
        names = {ns.metadata.name for ns in core.list_namespace().items}
    assert {"default", "kube-system", "shop"} <= names
    assert config.list_kube_config_contexts(str(path))[1]["context"]["namespace"] == "shop"


@pytest.mark.parametrize("token", [None, "wrong"])
def test_request_without_the_bearer_token_is_401(kube: FakeKubernetes, token: str | None) -> None:
    configuration = client.Configuration(host=kube.url)
    if token:
        configuration.api_key = {"authorization": f"Bearer {token}"}
    with client.ApiClient(configuration) as api, pytest.raises(ApiException) as err:
        client.CoreV1Api(api).list_namespaced_pod("default")
    assert err.value.status == 401
    assert '"reason": "Unauthorized"' in err.value.body


def test_discovery_answers_version_and_groups(api: client.ApiClient) -> None:
    assert client.VersionApi(api).get_code().git_version.startswith("v1.")
    groups = {g.name for g in client.ApisApi(api).get_api_versions().groups}
    assert {"apps", "autoscaling"} <= groups
    assert client.CoreApi(api).get_api_versions().versions == ["v1"]


# CRUD and errors -----------------------------------------------------------------------------


def test_namespaces_create_get_list_and_conflict(core: client.CoreV1Api) -> None:
    created = core.create_namespace({"metadata": {"name": "qa"}})
    assert created.status.phase == "Active" and created.metadata.uid
    assert core.read_namespace("qa").metadata.labels["kubernetes.io/metadata.name"] == "qa"
    with pytest.raises(ApiException) as dup:
        core.create_namespace({"metadata": {"name": "qa"}})
    assert dup.value.status == 409 and '"reason": "AlreadyExists"' in dup.value.body
    with pytest.raises(ApiException) as missing:
        core.read_namespace("nope")
    assert missing.value.status == 404


def test_configmap_crud_with_stale_replace_conflict(core: client.CoreV1Api) -> None:
    cm = core.create_namespaced_config_map(
        "default", {"metadata": {"name": "c"}, "data": {"a": "1"}}
    )
    first_rv = cm.metadata.resource_version
    cm.data["a"] = "2"
    updated = core.replace_namespaced_config_map("c", "default", cm)
    assert int(updated.metadata.resource_version) > int(first_rv)
    cm.data["a"] = "3"  # still carries the first resourceVersion
    with pytest.raises(ApiException) as stale:
        core.replace_namespaced_config_map("c", "default", cm)
    assert stale.value.status == 409 and '"reason": "Conflict"' in stale.value.body
    patched = core.patch_namespaced_config_map("c", "default", {"data": {"b": "x"}})
    assert patched.data == {"a": "2", "b": "x"}
    core.delete_namespaced_config_map("c", "default")
    with pytest.raises(ApiException) as gone:
        core.read_namespaced_config_map("c", "default")
    assert gone.value.status == 404
    assert 'configmaps \\"c\\" not found' in gone.value.body


def test_secret_string_data_is_stored_base64(core: client.CoreV1Api) -> None:
    core.create_namespaced_secret(
        "default", {"metadata": {"name": "s"}, "stringData": {"pw": "hunter2"}}
    )
    secret = core.read_namespaced_secret("s", "default")
    assert secret.type == "Opaque"
    assert base64.b64decode(secret.data["pw"]) == b"hunter2"
    with pytest.raises(ApiException) as bad:
        core.create_namespaced_secret("default", {"metadata": {"name": "t"}, "data": {"k": "%%"}})
    assert bad.value.status == 400


def test_service_crud_and_strategic_patch_of_ports(core: client.CoreV1Api) -> None:
    svc = core.create_namespaced_service(
        "default",
        {
            "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
        },
    )
    assert svc.spec.cluster_ip.startswith("10.96.") and svc.spec.ports[0].target_port == 80
    patched = core.patch_namespaced_service(
        "web", "default", {"spec": {"ports": [{"port": 443, "name": "https"}]}}
    )
    assert [p.port for p in patched.spec.ports] == [80, 443]  # merged by `port`
    assert patched.spec.cluster_ip == svc.spec.cluster_ip
    assert core.delete_namespaced_service("web", "default").metadata.name == "web"
    assert core.list_namespaced_service("default").items == []


def test_creating_in_an_unknown_namespace_is_404(apps: client.AppsV1Api) -> None:
    with pytest.raises(ApiException) as err:
        apps.create_namespaced_deployment("ghost", deployment())
    assert err.value.status == 404 and 'namespaces \\"ghost\\" not found' in err.value.body


def test_auto_namespaces_creates_them_on_demand() -> None:
    with FakeKubernetes(auto_namespaces=True) as kube, kube.api_client() as api:
        client.AppsV1Api(api).create_namespaced_deployment("ghost", deployment())
        assert kube.get("namespace", None, "ghost") is not None


def test_deployment_crud_errors(kube: FakeKubernetes, apps: client.AppsV1Api) -> None:
    apps.create_namespaced_deployment("default", deployment())
    with pytest.raises(ApiException) as dup:
        apps.create_namespaced_deployment("default", deployment())
    assert dup.value.status == 409 and '"reason": "AlreadyExists"' in dup.value.body
    with pytest.raises(ApiException) as missing:
        apps.read_namespaced_deployment("nope", "default")
    assert (
        missing.value.status == 404
        and 'deployments.apps \\"nope\\" not found' in missing.value.body
    )
    bad = deployment("bad")
    bad["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    with pytest.raises(ApiException) as invalid:
        apps.create_namespaced_deployment("default", bad)
    assert invalid.value.status == 422 and "does not match template" in invalid.value.body
    stale = apps.read_namespaced_deployment("web", "default")
    apps.patch_namespaced_deployment("web", "default", {"metadata": {"labels": {"x": "1"}}})
    stale.spec.replicas = 5
    with pytest.raises(ApiException) as conflict:
        apps.replace_namespaced_deployment("web", "default", stale)
    assert conflict.value.status == 409 and "the object has been modified" in conflict.value.body
    assert apps.delete_namespaced_deployment("web", "default")["status"] == "Success"
    kube.wait_until(lambda: not kube.list("pods", "default"), message="pods not collected")
    assert kube.list("replicasets", "default") == []


def test_hpa_crud(kube: FakeKubernetes, api: client.ApiClient) -> None:
    kube.seed_deployment("default", "web", "shop:1", replicas=2)
    hpas = client.AutoscalingV2Api(api)
    body = {
        "metadata": {"name": "web"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2,
            "maxReplicas": 5,
        },
    }
    hpas.create_namespaced_horizontal_pod_autoscaler("default", body)
    kube.wait_until(lambda: kube.get("hpa", "default", "web")["status"].get("currentReplicas"))
    hpa = hpas.read_namespaced_horizontal_pod_autoscaler("web", "default")
    assert (hpa.status.current_replicas, hpa.status.desired_replicas) == (2, 2)
    hpa.spec.max_replicas = 9
    assert (
        hpas.replace_namespaced_horizontal_pod_autoscaler("web", "default", hpa).spec.max_replicas
        == 9
    )
    assert len(hpas.list_namespaced_horizontal_pod_autoscaler("default").items) == 1
    hpas.delete_namespaced_horizontal_pod_autoscaler("web", "default")
    with pytest.raises(ApiException) as gone:
        hpas.read_namespaced_horizontal_pod_autoscaler("web", "default")
    assert gone.value.status == 404


def test_replicasets_list_patch_delete(kube: FakeKubernetes, apps: client.AppsV1Api) -> None:
    kube.seed_deployment("default", "web", "shop:1", revision_history=["shop:0"])
    kube.seed_deployment("default", "api", "api:1")
    web = apps.list_namespaced_replica_set("default", label_selector="app=web").items
    assert sorted(rs.metadata.annotations[REVISION] for rs in web) == ["1", "2"]
    name = next(rs.metadata.name for rs in web if rs.metadata.annotations[REVISION] == "1")
    patched = apps.patch_namespaced_replica_set(
        name, "default", {"metadata": {"labels": {"k": "v"}}}
    )
    assert patched.metadata.labels["k"] == "v"
    assert apps.read_namespaced_replica_set(name, "default").metadata.owner_references[0].kind == (
        "Deployment"
    )
    apps.delete_namespaced_replica_set(name, "default")  # an old revision: nothing recreates it
    with pytest.raises(ApiException) as gone:
        apps.read_namespaced_replica_set(name, "default")
    assert gone.value.status == 404


# selectors -----------------------------------------------------------------------------------


def test_label_and_field_selectors(kube: FakeKubernetes, core: client.CoreV1Api) -> None:
    kube.seed_deployment("default", "web", "shop:1", replicas=2)
    kube.seed_deployment("default", "api", "api:1", replicas=1)
    kube.seed_deployment("default", "db", "db:1", replicas=1)

    def names(**kw: str) -> set[str]:
        return {p.metadata.labels["app"] for p in core.list_namespaced_pod("default", **kw).items}

    assert names(label_selector="app=web") == {"web"}
    assert names(label_selector="app in (web,api)") == {"web", "api"}
    assert names(label_selector="app!=web,app notin (db)") == {"api"}
    assert names(field_selector="status.phase=Running") == {"web", "api", "db"}
    one = core.list_namespaced_pod("default", label_selector="app=api").items[0].metadata.name
    assert names(field_selector=f"metadata.name={one}") == {"api"}
    with pytest.raises(ApiException) as bad:
        core.list_namespaced_pod("default", field_selector="spec.image=x")
    assert bad.value.status == 400 and "field label not supported" in bad.value.body


def test_events_field_selectors(kube: FakeKubernetes, core: client.CoreV1Api) -> None:
    kube.behave("bad:*", image_pull_backoff(retry=0.1))
    kube.add(
        {
            "kind": "Pod",
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "app", "image": "bad:1"}]},
        }
    )
    kube.wait_until(lambda: "Failed" in reasons(kube, "p"))
    events = core.list_namespaced_event(
        "default", field_selector="involvedObject.name=p,involvedObject.kind=Pod,type=Warning"
    ).items
    assert events and {e.type for e in events} == {"Warning"}
    assert all(e.involved_object.name == "p" and e.count >= 1 for e in events)
    assert all(
        e.first_timestamp and e.last_timestamp and e.metadata.creation_timestamp for e in events
    )
    stream = watch.Watch().stream(
        core.list_namespaced_event, "default", field_selector="type=Warning", timeout_seconds=2
    )
    first = next(stream)
    stream.close()
    assert first["type"] == "ADDED" and first["object"].type == "Warning"


# deployments and their controller -------------------------------------------------------------


def test_generation_and_observed_generation(kube: FakeKubernetes, apps: client.AppsV1Api) -> None:
    created = apps.create_namespaced_deployment("default", deployment())
    assert created.metadata.generation == 1
    kube.wait_until(lambda: rolled_out(kube, "web", 2))
    labelled = apps.patch_namespaced_deployment(
        "web", "default", {"metadata": {"labels": {"x": "y"}}}
    )
    assert labelled.metadata.generation == 1  # metadata is not spec
    scaled = apps.patch_namespaced_deployment("web", "default", {"spec": {"replicas": 3}})
    assert scaled.metadata.generation == 2
    assert scaled.status.observed_generation == 1  # the controller has not seen it yet
    kube.wait_until(lambda: rolled_out(kube, "web", 3))
    status = apps.read_namespaced_deployment_status("web", "default").status
    assert status.observed_generation == 2 and status.ready_replicas == 3
    assert len(apps.list_namespaced_replica_set("default").items) == 1  # scaling: same RS


def test_new_deployment_rolls_out_with_real_status(
    kube: FakeKubernetes, apps: client.AppsV1Api
) -> None:
    apps.create_namespaced_deployment("default", deployment(replicas=2))
    kube.wait_until(lambda: rolled_out(kube, "web", 2))
    d = apps.read_namespaced_deployment("web", "default")
    rs = apps.list_namespaced_replica_set("default").items[0]
    hash_ = rs.metadata.labels["pod-template-hash"]
    assert rs.metadata.name == f"web-{hash_}" and rs.metadata.annotations[REVISION] == "1"
    assert d.metadata.annotations[REVISION] == "1"
    progressing = next(c for c in d.status.conditions if c.type == "Progressing")
    available = next(c for c in d.status.conditions if c.type == "Available")
    assert (progressing.status, progressing.reason) == ("True", "NewReplicaSetAvailable")
    assert progressing.message == f'ReplicaSet "{rs.metadata.name}" has successfully progressed.'
    assert (available.status, available.reason) == ("True", "MinimumReplicasAvailable")
    assert d.status.unavailable_replicas is None  # omitempty, as from a real server
    scaled = [e["message"] for e in kube.events("default", involved="web")]
    assert f"Scaled up replica set {rs.metadata.name} to 2 from 0" in scaled


def test_image_patch_creates_revision_2_and_rolls_out(
    kube: FakeKubernetes, apps: client.AppsV1Api, core: client.CoreV1Api
) -> None:
    kube.seed_deployment("default", "web", "shop:1", replicas=2)
    old_pods = {p.metadata.name for p in core.list_namespaced_pod("default").items}
    apps.patch_namespaced_deployment("web", "default", image_patch("shop:2"))
    patch = next(r for r in kube.requests if r.method == "PATCH")
    assert patch.content_type == "application/strategic-merge-patch+json"
    kube.wait_until(lambda: rolled_out(kube, "web", 2), timeout=15)
    rss = {
        rs.metadata.annotations[REVISION]: rs
        for rs in apps.list_namespaced_replica_set("default").items
    }
    assert rss["2"].spec.template.spec.containers[0].image == "shop:2"
    assert (rss["1"].spec.replicas, rss["2"].spec.replicas) == (0, 2)
    assert rss["2"].metadata.owner_references[0].name == "web"
    kube.wait_until(lambda: len(kube.list("pods", "default")) == 2)
    pods = core.list_namespaced_pod("default").items
    assert not old_pods & {p.metadata.name for p in pods}
    assert all(p.metadata.name.startswith(rss["2"].metadata.name + "-") for p in pods)
    d = apps.read_namespaced_deployment("web", "default")
    assert d.metadata.annotations[REVISION] == "2"


def test_restoring_the_old_template_reuses_its_replicaset_as_revision_3(
    kube: FakeKubernetes, apps: client.AppsV1Api
) -> None:
    kube.seed_deployment("default", "web", "shop:1", replicas=1)
    first = apps.list_namespaced_replica_set("default").items[0].metadata.name
    apps.patch_namespaced_deployment("web", "default", image_patch("shop:2"))
    kube.wait_until(lambda: rolled_out(kube, "web", 1) and len(kube.list("rs", "default")) == 2)
    apps.patch_namespaced_deployment("web", "default", image_patch("shop:1"))
    kube.wait_until(lambda: kube.get("rs", "default", first)["spec"]["replicas"] == 1)
    kube.wait_until(lambda: rolled_out(kube, "web", 1))
    rss = apps.list_namespaced_replica_set("default").items
    assert len(rss) == 2
    restored = next(rs for rs in rss if rs.metadata.name == first)
    assert restored.metadata.annotations[REVISION] == "3"
    assert restored.metadata.annotations["deployment.kubernetes.io/revision-history"] == "1"
    assert apps.read_namespaced_deployment("web", "default").metadata.annotations[REVISION] == "3"


def test_rolling_back_to_a_seeded_revision_reuses_its_replicaset(
    kube: FakeKubernetes, apps: client.AppsV1Api
) -> None:
    kube.seed_deployment(
        "default", "web", "shop:3", replicas=1, revision_history=["shop:1", "shop:2"]
    )
    assert apps.read_namespaced_deployment("web", "default").metadata.annotations[REVISION] == "3"
    apps.patch_namespaced_deployment("web", "default", image_patch("shop:1"))
    kube.wait_until(
        lambda: (
            rolled_out(kube, "web", 1)
            and kube.get("deploy", "default", "web")["metadata"]["annotations"][REVISION] == "4"
        )
    )
    rss = {
        rs.spec.template.spec.containers[0].image: rs
        for rs in apps.list_namespaced_replica_set("default").items
    }
    assert len(rss) == 3 and rss["shop:1"].metadata.annotations[REVISION] == "4"
    assert (rss["shop:1"].spec.replicas, rss["shop:3"].spec.replicas) == (1, 0)


def test_strategic_merge_keeps_env_by_name_merge_patch_replaces_lists(
    kube: FakeKubernetes, apps: client.AppsV1Api
) -> None:
    env = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    kube.seed_deployment("default", "web", "shop:1", env=env)
    strategic = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}],
                        }
                    ]
                }
            }
        }
    }
    d = apps.patch_namespaced_deployment("web", "default", strategic)
    got = {e.name: e.value for e in d.spec.template.spec.containers[0].env}
    assert got == {"A": "1", "B": "3", "C": "4"}
    assert d.spec.template.spec.containers[0].image == "shop:1"
    merge = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "shop:3"}]}}}}
    d = apps.patch_namespaced_deployment(
        "web", "default", merge, _content_type="application/merge-patch+json"
    )
    assert d.spec.template.spec.containers[0].env is None  # the list was replaced
    ops = [{"op": "replace", "path": "/spec/replicas", "value": 4}]
    assert apps.patch_namespaced_deployment("web", "default", ops).spec.replicas == 4
    assert [r.content_type for r in kube.requests if r.method == "PATCH"] == [
        "application/strategic-merge-patch+json",
        "application/merge-patch+json",
        "application/json-patch+json",
    ]
    failing = [{"op": "test", "path": "/spec/replicas", "value": 1}]
    with pytest.raises(ApiException) as err:
        apps.patch_namespaced_deployment("web", "default", failing)
    assert err.value.status == 422


def test_scale_subresource_scales_the_current_replicaset(
    kube: FakeKubernetes, apps: client.AppsV1Api
) -> None:
    kube.seed_deployment("default", "web", "shop:1", replicas=2)
    scale = apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 4}})
    assert scale.spec.replicas == 4 and scale.status.selector == "app=web"
    kube.wait_until(lambda: rolled_out(kube, "web", 4))
    assert len(kube.list("rs", "default")) == 1
    assert "Scaled up replica set" in kube.events("default", involved="web")[-1]["message"]


def test_paused_deployment_does_not_roll_out_until_resumed(
    kube: FakeKubernetes, apps: client.AppsV1Api
) -> None:
    kube.seed_deployment("default", "web", "shop:1", replicas=1)
    apps.patch_namespaced_deployment("web", "default", {"spec": {"paused": True}})
    apps.patch_namespaced_deployment("web", "default", image_patch("shop:2"))
    kube.wait_until(
        lambda: (
            condition(kube.get("deploy", "default", "web"), "Progressing")["reason"]
            == "DeploymentPaused"
        )
    )
    assert len(kube.list("rs", "default")) == 1
    apps.patch_namespaced_deployment("web", "default", {"spec": {"paused": False}})
    kube.wait_until(lambda: len(kube.list("rs", "default")) == 2 and rolled_out(kube, "web", 1))


def test_progress_deadline_exceeded(kube: FakeKubernetes, apps: client.AppsV1Api) -> None:
    kube.behave("shop:bad", crash_loop(exit_code=2))
    kube.seed_deployment("default", "web", "shop:1", replicas=2, progress_deadline_seconds=1)
    apps.patch_namespaced_deployment("web", "default", image_patch("shop:bad"))

    def timed_out() -> dict | None:
        c = condition(kube.get("deploy", "default", "web"), "Progressing")
        return c if c["reason"] == "ProgressDeadlineExceeded" else None

    progressing = kube.wait_until(timed_out, timeout=6)
    new_rs = next(
        rs
        for rs in kube.list("rs", "default")
        if rs["spec"]["template"]["spec"]["containers"][0]["image"] == "shop:bad"
    )
    assert progressing["status"] == "False"
    assert (
        progressing["message"]
        == f'ReplicaSet "{new_rs["metadata"]["name"]}" has timed out progressing.'
    )
    d = apps.read_namespaced_deployment("web", "default")
    assert d.status.updated_replicas == 1 and d.status.available_replicas == 2  # old pods serve
    assert next(c for c in d.status.conditions if c.type == "Available").status == "True"


def test_min_ready_seconds_delays_availability(
    kube: FakeKubernetes, apps: client.AppsV1Api
) -> None:
    apps.create_namespaced_deployment("default", deployment(replicas=1, minReadySeconds=2))
    created = apps.read_namespaced_deployment("web", "default")
    assert created.status is not None  # `status: {}` until the controller has seen it
    kube.wait_until(lambda: kube.get("deploy", "default", "web")["status"].get("readyReplicas"))
    assert not kube.get("deploy", "default", "web")["status"].get("availableReplicas")
    kube.wait_until(lambda: rolled_out(kube, "web", 1), timeout=10)


# pods: behaviours, events, logs --------------------------------------------------------------


def container_history(
    core: client.CoreV1Api, selector: str, since: str, until: Callable[[dict], bool]
) -> list[str]:
    """`state:reason:restarts` of the first container of a pod, every change in order (from a
    watch, so no short-lived state is missed), until `until(containerStatus)`."""
    seen: list[str] = []
    w = watch.Watch()
    for event in w.stream(
        core.list_namespaced_pod,
        "default",
        label_selector=selector,
        resource_version=since,
        timeout_seconds=8,
    ):
        statuses = event["raw_object"]["status"].get("containerStatuses")
        if not statuses:
            continue
        state, detail = next(iter(statuses[0]["state"].items()))
        line = f"{state}:{detail.get('reason', '')}:{statuses[0]['restartCount']}"
        if not seen or seen[-1] != line:
            seen.append(line)
        if until(statuses[0]):
            w.stop()
    return seen


def test_ready_pod_goes_pending_then_running_with_events(
    kube: FakeKubernetes, core: client.CoreV1Api
) -> None:
    since = core.list_namespaced_pod("default").metadata.resource_version
    pod_spec = {"containers": [{"name": "app", "image": "shop:1"}]}
    kube.add({"kind": "Pod", "metadata": {"name": "p", "labels": {"app": "p"}}, "spec": pod_spec})
    history = container_history(core, "app=p", since, lambda cs: cs["ready"])
    assert history == ["waiting:ContainerCreating:0", "running::0"]
    pod = core.read_namespaced_pod("p", "default")
    assert pod.status.phase == "Running" and pod.spec.node_name
    ready = next(c for c in pod.status.conditions if c.type == "Ready")
    assert ready.status == "True"
    cs = pod.status.container_statuses[0]
    assert cs.started and cs.state.running.started_at and cs.image_id.startswith("docker.io/")
    assert reasons(kube, "p") == ["Scheduled", "Pulling", "Pulled", "Created", "Started"]


def test_crash_loop_backs_off_and_counts_restarts(
    kube: FakeKubernetes, core: client.CoreV1Api
) -> None:
    kube.behave("shop:2*", crash_loop(exit_code=3, logs=["boot", "panic: no db"], run_for=0.2))
    kube.seed_deployment("default", "web", "shop:2-rc1", replicas=0)
    since = core.list_namespaced_pod("default").metadata.resource_version
    client.AppsV1Api(core.api_client).patch_namespaced_deployment_scale(
        "web", "default", {"spec": {"replicas": 1}}
    )
    backoffs: list[str] = []

    def second_backoff(cs: dict) -> bool:
        waiting = cs["state"].get("waiting", {})
        if waiting.get("reason") == "CrashLoopBackOff" and waiting["message"] not in backoffs:
            backoffs.append(waiting["message"])
        return cs["restartCount"] == 2

    history = container_history(core, "app=web", since, second_backoff)
    assert history == [
        "waiting:ContainerCreating:0",
        "running::0",
        "terminated:Error:0",
        "waiting:CrashLoopBackOff:1",
        "running::1",
        "terminated:Error:1",
        "waiting:CrashLoopBackOff:2",
    ]
    pod = core.list_namespaced_pod("default", label_selector="app=web").items[0]
    name, ref = pod.metadata.name, f"{pod.metadata.name}_default({pod.metadata.uid})"
    assert backoffs == [
        f"back-off 10s restarting failed container=app pod={ref}",
        f"back-off 20s restarting failed container=app pod={ref}",
    ]
    cs = pod.status.container_statuses[0]
    assert pod.status.phase == "Running" and not cs.ready
    assert cs.last_state.terminated.exit_code == 3 and cs.last_state.terminated.reason == "Error"
    backoff = [e for e in kube.events("default", involved=name) if e["reason"] == "BackOff"]
    assert backoff[0]["type"] == "Warning" and backoff[0]["count"] >= 2
    assert backoff[0]["message"] == f"Back-off restarting failed container app in pod {ref}"
    logs = core.read_namespaced_pod_log(name, "default", previous=True)
    assert logs == "boot\npanic: no db\n"


def test_image_pull_backoff_stays_pending(kube: FakeKubernetes, core: client.CoreV1Api) -> None:
    kube.behave("shop:typo", image_pull_backoff(retry=0.2))
    kube.add(
        {
            "kind": "Pod",
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "app", "image": "shop:typo"}]},
        }
    )

    def waiting(reason: str) -> bool:
        return container(kube, "p")["state"].get("waiting", {}).get("reason") == reason

    kube.wait_until(lambda: waiting("ErrImagePull"))
    kube.wait_until(lambda: waiting("ImagePullBackOff"))
    pod = core.read_namespaced_pod("p", "default")
    assert pod.status.phase == "Pending"
    assert (
        pod.status.container_statuses[0].state.waiting.message
        == 'Back-off pulling image "shop:typo"'
    )
    failed = [e["message"] for e in kube.events("default", involved="p") if e["reason"] == "Failed"]
    assert failed[0].startswith('Failed to pull image "shop:typo": rpc error: code = NotFound')
    assert "Error: ErrImagePull" in failed and "Error: ImagePullBackOff" in failed
    with pytest.raises(ApiException) as no_logs:
        core.read_namespaced_pod_log("p", "default")
    assert no_logs.value.status == 400 and "is waiting to start" in no_logs.value.body


def test_never_ready_keeps_failing_its_probe(kube: FakeKubernetes, core: client.CoreV1Api) -> None:
    kube.behave(lambda image: image.endswith(":sick"), never_ready(period=0.1))
    kube.add(
        {
            "kind": "Pod",
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "app", "image": "shop:sick"}]},
        }
    )

    def unhealthy() -> dict | None:
        found = [e for e in kube.events("default", involved="p") if e["reason"] == "Unhealthy"]
        return found[0] if found and found[0]["count"] >= 2 else None

    event = kube.wait_until(unhealthy)
    assert event["type"] == "Warning"
    assert event["message"] == "Readiness probe failed: HTTP probe failed with statuscode: 503"
    pod = core.read_namespaced_pod("p", "default")
    assert pod.status.phase == "Running" and not pod.status.container_statuses[0].ready
    ready = next(c for c in pod.status.conditions if c.type == "Ready")
    assert (ready.status, ready.reason) == ("False", "ContainersNotReady")


def test_slow_ready_runs_before_it_is_ready(kube: FakeKubernetes, core: client.CoreV1Api) -> None:
    kube.behave("shop:slow", slow_ready(0.8))
    since = core.list_namespaced_pod("default").metadata.resource_version
    pod_spec = {"containers": [{"name": "app", "image": "shop:slow"}]}
    kube.add({"kind": "Pod", "metadata": {"name": "p", "labels": {"app": "p"}}, "spec": pod_spec})
    readiness: list[bool] = []

    def ready(cs: dict) -> bool:
        if "running" in cs["state"]:
            readiness.append(cs["ready"])
        return cs["ready"]

    assert container_history(core, "app=p", since, ready) == [
        "waiting:ContainerCreating:0",
        "running::0",
    ]
    assert readiness[0] is False and readiness[-1] is True


def test_pod_logs_honour_tail_lines_and_timestamps(
    kube: FakeKubernetes, core: client.CoreV1Api
) -> None:
    kube.seed_deployment("default", "web", "shop:1", replicas=1)
    pod = only_pod(kube, "web")
    assert core.read_namespaced_pod_log(pod, "default") == (
        "starting server\nloaded configuration\nlistening on :8080\n"
    )
    assert core.read_namespaced_pod_log(pod, "default", tail_lines=1) == "listening on :8080\n"
    stamped = core.read_namespaced_pod_log(pod, "default", tail_lines=2, timestamps=True)
    lines = stamped.splitlines()
    assert len(lines) == 2 and lines[1].endswith("Z listening on :8080")
    assert lines[0][:4].isdigit() and "T" in lines[0].split(" ")[0]
    assert core.read_namespaced_pod_log(pod, "default", since_seconds=3600).count("\n") == 3
    with pytest.raises(ApiException) as no_previous:
        core.read_namespaced_pod_log(pod, "default", previous=True)
    assert no_previous.value.status == 400


def test_logs_of_a_multi_container_pod_need_a_container(
    kube: FakeKubernetes, core: client.CoreV1Api
) -> None:
    kube.add(
        {
            "kind": "Pod",
            "metadata": {"name": "p"},
            "spec": {
                "containers": [
                    {"name": "app", "image": "shop:1"},
                    {"name": "proxy", "image": "envoy:1"},
                ]
            },
        }
    )
    kube.wait_until(lambda: kube.get("pod", "default", "p")["status"].get("phase") == "Running")
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log("p", "default")
    assert "a container name must be specified for pod p" in err.value.body
    assert "listening" in core.read_namespaced_pod_log("p", "default", container="proxy")


def test_deleting_a_pod_is_graceful_and_the_replicaset_replaces_it(
    kube: FakeKubernetes, core: client.CoreV1Api
) -> None:
    kube.seed_deployment("default", "web", "shop:1", replicas=1)
    pod = only_pod(kube, "web")
    deleted = core.delete_namespaced_pod(pod, "default")
    assert deleted.metadata.deletion_timestamp is not None
    kube.wait_until(lambda: kube.get("pod", "default", pod) is None)
    replacement = kube.wait_until(
        lambda: [p for p in kube.list("pods", "default") if p["metadata"]["name"] != pod]
    )
    assert replacement[0]["metadata"]["generateName"] == pod.rsplit("-", 1)[0] + "-"


def test_hooks_see_pods_become_ready_and_go(kube: FakeKubernetes, apps: client.AppsV1Api) -> None:
    ready, gone = [], []
    kube.on_pod_ready(lambda pod: ready.append(pod["metadata"]["name"]))
    kube.on_pod_deleted(lambda pod: gone.append(pod["metadata"]["name"]))
    apps.create_namespaced_deployment("default", deployment(replicas=2))
    kube.wait_until(lambda: len(ready) == 2)
    apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 1}})
    kube.wait_until(lambda: len(gone) == 1)
    assert gone[0] in ready


# watches -------------------------------------------------------------------------------------


def test_watch_sees_a_rollout_progress(kube: FakeKubernetes, apps: client.AppsV1Api) -> None:
    kube.seed_deployment("default", "web", "shop:1", replicas=2)
    start = apps.read_namespaced_deployment("web", "default").metadata.resource_version
    patch = threading.Timer(
        0.2, apps.patch_namespaced_deployment, ("web", "default", image_patch("shop:2"))
    )
    patch.start()  # while the watch below is already waiting
    seen: list[tuple[str, int | None, str]] = []
    w = watch.Watch()
    try:
        for event in w.stream(
            apps.list_namespaced_deployment,
            "default",
            field_selector="metadata.name=web",
            resource_version=start,
            timeout_seconds=10,
        ):
            status = event["object"].status
            reason = next(c.reason for c in status.conditions if c.type == "Progressing")
            seen.append((event["type"], status.updated_replicas, reason))
            if reason == "NewReplicaSetAvailable" and status.observed_generation == 2:
                w.stop()
    finally:
        patch.join()
    assert {t for t, _, _ in seen} == {"MODIFIED"}
    assert seen[0] == ("MODIFIED", 2, "NewReplicaSetAvailable")  # the patch, not yet observed
    assert ("MODIFIED", None, "NewReplicaSetCreated") in seen
    assert any(reason == "ReplicaSetUpdated" for _, _, reason in seen)
    assert seen[-1][1:] == (2, "NewReplicaSetAvailable")
    watches = [r for r in kube.requests if r.watch]
    assert len(watches) == 1 and watches[0].query["resourceVersion"] == start


def test_watch_of_pods_by_label_sees_added_and_deleted(
    kube: FakeKubernetes, core: client.CoreV1Api, apps: client.AppsV1Api
) -> None:
    kube.seed_deployment("default", "web", "shop:1", replicas=1)
    kube.seed_deployment("default", "api", "api:1", replicas=1)
    listed = core.list_namespaced_pod("default", label_selector="app=web")
    apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 0}})
    w = watch.Watch()
    events = []
    for event in w.stream(
        core.list_namespaced_pod,
        "default",
        label_selector="app=web",
        resource_version=listed.metadata.resource_version,
        timeout_seconds=5,
    ):
        events.append((event["type"], event["object"].metadata.name))
        if event["type"] == "DELETED":
            w.stop()
    assert events[-1] == ("DELETED", listed.items[0].metadata.name)
    assert all(name.startswith("web-") for _, name in events)


def test_watch_without_resource_version_starts_with_added(
    kube: FakeKubernetes, apps: client.AppsV1Api
) -> None:
    kube.seed_deployment("default", "web", "shop:1")
    events = watch.Watch().stream(apps.list_namespaced_deployment, "default", timeout_seconds=2)
    first = next(events)
    events.close()
    assert first["type"] == "ADDED" and first["object"].metadata.name == "web"


def test_watch_from_an_expired_resource_version_gets_410(
    kube: FakeKubernetes, apps: client.AppsV1Api
) -> None:
    kube.seed_deployment("default", "web", "shop:1")
    old = apps.list_namespaced_deployment("default").metadata.resource_version
    apps.patch_namespaced_deployment("web", "default", {"metadata": {"labels": {"x": "1"}}})
    kube.compact()
    with pytest.raises(ApiException) as err:
        for _ in watch.Watch().stream(
            apps.list_namespaced_deployment, "default", resource_version=old, timeout_seconds=2
        ):
            pass
    assert err.value.status == 410 and "Expired" in err.value.reason


def test_history_is_bounded() -> None:
    with FakeKubernetes(history=5) as kube, kube.api_client() as api:
        core = client.CoreV1Api(api)
        first = core.create_namespaced_config_map("default", {"metadata": {"name": "c"}})
        for i in range(6):
            core.patch_namespaced_config_map("c", "default", {"data": {"i": str(i)}})
        resp = core.list_namespaced_config_map(
            "default",
            watch=True,
            resource_version=first.metadata.resource_version,
            timeout_seconds=1,
            _preload_content=False,
        )
        lines = resp.data.decode().splitlines()
        resp.release_conn()
    assert len(lines) == 1 and '"code": 410' in lines[0] and '"type": "ERROR"' in lines[0]


def test_watch_1_is_a_watch_too(kube: FakeKubernetes) -> None:
    kube.seed_deployment("default", "web", "shop:1")
    url = f"{kube.url}/apis/apps/v1/namespaces/default/replicasets?watch=1&timeoutSeconds=1"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {kube.token}"})
    with urllib.request.urlopen(request, timeout=5) as resp:
        lines = resp.read().decode().splitlines()
    assert [json.loads(line)["type"] for line in lines] == ["ADDED"]


def test_watch_sends_bookmarks_when_allowed() -> None:
    with FakeKubernetes(bookmark_interval=0.1) as kube, kube.api_client() as api:
        apps = client.AppsV1Api(api)
        rv = apps.list_namespaced_deployment("default").metadata.resource_version
        w = watch.Watch()
        stream = w.stream(
            apps.list_namespaced_deployment,
            "default",
            resource_version=rv,
            allow_watch_bookmarks=True,
            timeout_seconds=2,
        )
        event = next(iter(stream))
        w.stop()
        stream.close()
    assert event["type"] == "BOOKMARK"
    assert event["raw_object"]["metadata"]["resourceVersion"] == rv
