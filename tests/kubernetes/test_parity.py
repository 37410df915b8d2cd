"""Parity rules on hand-made snapshots: each difference is one finding with its severity."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from actions.config import EnvironmentConfig, ServiceConfig
from actions.environments.kubernetes.client import KubeApi, connect
from actions.environments.kubernetes.parity import compare, parity_result
from actions.environments.kubernetes.snapshot import (
    ConfigMapSnapshot,
    ContainerSnapshot,
    EnvSnapshot,
    HpaSnapshot,
    SecretSnapshot,
    ServiceSnapshot,
    config_map_snapshot,
    parse_image,
    secret_snapshot,
    service_snapshot,
    take_snapshot,
)
from actions.result import Finding, Severity, Status
from tests.fakes.kube_api import FakeKubernetes

PRE, PROD = "staging", "production"
HIGH, MEDIUM, LOW, INFO = Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO


def container(name: str, image: str, **fields: object) -> ContainerSnapshot:
    repository, tag = parse_image(image)
    defaults: dict[str, object] = {
        "requests": {"cpu": "250m", "memory": "256Mi"},
        "limits": {"cpu": "1", "memory": "512Mi"},
        "env": ["CATALOG_URL", "LOG_LEVEL", "PAYMENT_API_KEY", "PAYMENT_TIMEOUT"],
    }
    defaults.update(fields)
    return ContainerSnapshot(name=name, image=image, repository=repository, tag=tag, **defaults)  # type: ignore[arg-type]


def base() -> EnvSnapshot:
    """A shop with two services: storefront (ConfigMap, Secret) and catalog (HPA)."""
    return EnvSnapshot(
        namespace="shop",
        services={
            "storefront": ServiceSnapshot(
                deployment="storefront",
                present=True,
                replicas=2,
                containers={"web": container("web", "registry.example/shop/storefront:1.0")},
                config_maps={
                    "storefront-config": ConfigMapSnapshot(
                        name="storefront-config", present=True, keys=["LOG_LEVEL", "THEME"]
                    )
                },
                secrets={
                    "payment-keys": SecretSnapshot(
                        name="payment-keys", present=True, keys=["api-key"]
                    )
                },
            ),
            "catalog": ServiceSnapshot(
                deployment="catalog",
                present=True,
                replicas=3,
                containers={
                    "catalog": container("catalog", "registry.example/shop/catalog:1.0", env=[])
                },
                hpa=HpaSnapshot(
                    name="catalog",
                    min_replicas=2,
                    max_replicas=6,
                    metrics={"Resource cpu": "Utilization 70"},
                ),
            ),
        },
        flags_configmap="preprod-flags",
        flags_present=True,
        flags={"checkout.new_flow": "off", "search.v2": "on"},
    )


Mutation = Callable[[EnvSnapshot, EnvSnapshot], object]


def web(snap: EnvSnapshot) -> ContainerSnapshot:
    return snap.services["storefront"].containers["web"]


def _drop_deployment(snap: EnvSnapshot, service: str) -> None:
    snap.services[service] = ServiceSnapshot(deployment=service, present=False)


def _drop_catalog_everywhere(pre: EnvSnapshot, prod: EnvSnapshot) -> None:
    for snap in (pre, prod):
        _drop_deployment(snap, "catalog")


def _sidecar(pre: EnvSnapshot, prod: EnvSnapshot) -> None:
    prod.services["storefront"].containers["proxy"] = container("proxy", "envoy:1.30", env=[])


def _secret_keys(pre: EnvSnapshot, prod: EnvSnapshot) -> None:
    pre.services["storefront"].secrets["payment-keys"].keys = ["api-key", "webhook-key"]


def _rename_with_hash(pre: EnvSnapshot, prod: EnvSnapshot) -> None:
    for snap, suffix in ((pre, "5h8k2m9tbf"), (prod, "g7c6d2b8kt")):
        svc = snap.services["storefront"]
        cm = svc.config_maps.pop("storefront-config")
        svc.config_maps[f"storefront-config-{suffix}"] = cm.model_copy(
            update={"name": f"storefront-config-{suffix}"}
        )


CASES: list[tuple[str, Mutation, list[tuple[Severity, str]]]] = [
    ("identical", lambda pre, prod: None, []),
    (
        "deployment missing in pre-production",
        lambda pre, prod: _drop_deployment(pre, "storefront"),
        [(HIGH, "storefront: deployment missing in staging")],
    ),
    (
        "deployment missing in production",
        lambda pre, prod: _drop_deployment(prod, "storefront"),
        [(HIGH, "storefront: deployment missing in production")],
    ),
    (
        "deployment missing on both sides",
        _drop_catalog_everywhere,
        [(INFO, "catalog: deployment not compared: missing on both sides")],
    ),
    (
        "container only in production",
        _sidecar,
        [(HIGH, "storefront: container proxy only in production")],
    ),
    (
        "image repository differs",
        lambda pre, prod: pre.services["storefront"].containers.update(
            web=container("web", "docker.io/someone/storefront:1.0")
        ),
        [(HIGH, "storefront: image repository differs")],
    ),
    (
        "image tag differs outside the candidate",
        lambda pre, prod: pre.services["catalog"].containers.update(
            catalog=container("catalog", "registry.example/shop/catalog:0.9", env=[])
        ),
        [(MEDIUM, "catalog: image tag differs (not part of the candidate release)")],
    ),
    (
        "env var only in production",
        lambda pre, prod: web(pre).env.remove("PAYMENT_TIMEOUT"),
        [(HIGH, "storefront: env var PAYMENT_TIMEOUT only in production")],
    ),
    (
        "env var only in pre-production",
        lambda pre, prod: web(pre).env.append("DEBUG_SQL"),
        [(MEDIUM, "storefront: env var DEBUG_SQL only in staging")],
    ),
    (
        "env var names not comparable",
        lambda pre, prod: setattr(web(prod), "env_complete", False),
        [(INFO, "storefront: env var names not compared")],
    ),
    (
        "ConfigMap only in production",
        lambda pre, prod: pre.services["storefront"].config_maps.update(
            {"storefront-config": ConfigMapSnapshot(name="storefront-config", present=False)}
        ),
        [(MEDIUM, "storefront: ConfigMap storefront-config only in production")],
    ),
    (
        "ConfigMap key only in pre-production",
        lambda pre, prod: (
            pre.services["storefront"].config_maps["storefront-config"].keys.append("BANNER")
        ),
        [(MEDIUM, "storefront: ConfigMap storefront-config key BANNER only in staging")],
    ),
    ("ConfigMaps match without their kustomize hash", _rename_with_hash, []),
    (
        "Secret missing in pre-production",
        lambda pre, prod: pre.services["storefront"].secrets.clear(),
        [(HIGH, "storefront: Secret payment-keys missing in staging")],
    ),
    (
        "Secret missing in production",
        lambda pre, prod: prod.services["storefront"].secrets.update(
            {"payment-keys": SecretSnapshot(name="payment-keys", present=False)}
        ),
        [(MEDIUM, "storefront: Secret payment-keys missing in production")],
    ),
    (
        "Secret key names differ",
        _secret_keys,
        [(MEDIUM, "storefront: Secret payment-keys key names differ")],
    ),
    (
        "Secret not readable",
        lambda pre, prod: prod.services["storefront"].secrets.update(
            {"payment-keys": SecretSnapshot(name="payment-keys", present=None)}
        ),
        [(INFO, "storefront: Secret payment-keys not compared")],
    ),
    (
        "limit higher in pre-production",
        lambda pre, prod: web(pre).limits.update(cpu="2"),
        [(MEDIUM, "storefront: cpu limit higher in staging")],
    ),
    (
        "no limit in pre-production",
        lambda pre, prod: web(pre).limits.pop("memory"),
        [(MEDIUM, "storefront: memory limit higher in staging")],
    ),
    (
        "limit lower in pre-production",
        lambda pre, prod: web(pre).limits.update(memory="256Mi"),
        [(LOW, "storefront: memory limit lower in staging")],
    ),
    (
        "request differs",
        lambda pre, prod: web(prod).requests.update(cpu="500m"),
        [(LOW, "storefront: cpu request differs")],
    ),
    (
        "same quantities written differently",
        lambda pre, prod: web(pre).limits.update(cpu="1000m", memory="0.5Gi"),
        [],
    ),
    (
        "replicas differ",
        lambda pre, prod: setattr(pre.services["storefront"], "replicas", 1),
        [(LOW, "storefront: replicas differ")],
    ),
    (
        "replicas differ under an HPA",
        lambda pre, prod: setattr(pre.services["catalog"], "replicas", 2),
        [(INFO, "catalog: replicas differ (an HPA manages them)")],
    ),
    (
        "HPA only in production",
        lambda pre, prod: setattr(pre.services["catalog"], "hpa", None),
        [(MEDIUM, "catalog: HPA only in production")],
    ),
    (
        "HPA max replicas differ",
        lambda pre, prod: setattr(prod.services["catalog"].hpa, "max_replicas", 20),
        [(LOW, "catalog: HPA max replicas differ")],
    ),
    (
        "HPA metric target differs",
        lambda pre, prod: prod.services["catalog"].hpa.metrics.update(  # type: ignore[union-attr]
            {"Resource cpu": "Utilization 50"}
        ),
        [(LOW, "catalog: HPA metric Resource cpu differs")],
    ),
    (
        "flag differs",
        lambda pre, prod: pre.flags.update({"search.v2": "off"}),
        [(MEDIUM, "flag search.v2 differs")],
    ),
    (
        "flag only in production",
        lambda pre, prod: prod.flags.update({"payments.3ds": "on"}),
        [(MEDIUM, "flag payments.3ds only in production")],
    ),
]


def differences(mutate: Mutation, candidates: set[str] | None = None) -> list[Finding]:
    pre, prod = base(), base()
    mutate(pre, prod)
    return compare(pre, prod, candidates, pre_name=PRE, prod_name=PROD)


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_difference_is_one_finding_with_its_severity(
    mutate: Mutation, expected: list[tuple[Severity, str]]
) -> None:
    assert [(f.severity, f.title) for f in differences(mutate)] == expected


def test_a_candidate_service_may_have_another_tag() -> None:
    def new_tag(pre: EnvSnapshot, prod: EnvSnapshot) -> None:
        web(pre).tag, web(pre).image = "1.1", "registry.example/shop/storefront:1.1"

    assert differences(new_tag, candidates={"storefront"}) == []
    assert [f.title for f in differences(new_tag, candidates={"catalog"})] == [
        "storefront: image tag differs (not part of the candidate release)"
    ]
    assert len(differences(new_tag, candidates=None)) == 1


def test_a_new_candidate_service_missing_in_production_is_medium() -> None:
    found = differences(lambda pre, prod: _drop_deployment(prod, "storefront"), {"storefront"})
    assert [(f.severity, f.service) for f in found] == [(MEDIUM, "storefront")]


def test_evidence_shows_both_sides() -> None:
    (finding,) = differences(lambda pre, prod: web(pre).limits.update(cpu="2"))
    assert finding.evidence == "staging: 2; production: 1"
    assert finding.service == "storefront"


def test_secret_key_evidence_names_keys_only() -> None:
    (finding,) = differences(_secret_keys)
    assert finding.evidence == (
        "key names only in staging: webhook-key; only in production: (none)"
    )


def test_a_container_is_named_when_there_are_several() -> None:
    def two(pre: EnvSnapshot, prod: EnvSnapshot) -> None:
        for snap in (pre, prod):
            _sidecar(pre, snap)
        web(pre).env.remove("LOG_LEVEL")

    (finding,) = differences(two)
    assert finding.title == "storefront: env var LOG_LEVEL only in production (container web)"


def test_fingerprint_names_the_difference_not_the_values() -> None:
    (a,) = differences(lambda pre, prod: web(pre).limits.update(cpu="2"))
    (b,) = differences(lambda pre, prod: web(pre).limits.update(cpu="4"))
    (c,) = differences(lambda pre, prod: web(pre).limits.update(memory="1Gi"))
    assert a.fingerprint == b.fingerprint != c.fingerprint
    assert len(a.fingerprint) == 16


def test_findings_are_worst_first() -> None:
    def several(pre: EnvSnapshot, prod: EnvSnapshot) -> None:
        pre.flags["search.v2"] = "off"
        pre.services["storefront"].replicas = 1
        web(pre).env.remove("PAYMENT_TIMEOUT")

    assert [f.severity for f in differences(several)] == [HIGH, MEDIUM, LOW]


# --- the step's Result ------------------------------------------------------------------------


def finding(severity: Severity, title: str = "x") -> Finding:
    return Finding(severity=severity, title=title)


@pytest.mark.parametrize(
    ("severities", "status", "summary"),
    [
        ([], Status.PASS, "no differences from production"),
        ([LOW, INFO], Status.PASS, "2 differences from production (1 low, 1 info)"),
        ([MEDIUM], Status.WARN, "1 difference from production (1 medium)"),
        ([HIGH, MEDIUM, MEDIUM], Status.FAIL, "3 differences from production (1 high, 2 medium)"),
        ([Severity.CRITICAL], Status.FAIL, "1 difference from production (1 critical)"),
    ],
)
def test_result_status_and_summary(
    severities: list[Severity], status: Status, summary: str
) -> None:
    result = parity_result([finding(s, str(i)) for i, s in enumerate(severities)], PRE, PROD)
    assert (result.step, result.status, result.summary) == ("parity", status, summary)


def test_result_measures_differences_per_severity() -> None:
    result = parity_result([finding(HIGH), finding(MEDIUM, "a"), finding(MEDIUM, "b")], PRE, PROD)
    values = {m.name: m.value for m in result.measurements}
    assert values == {
        "differences_total": 3,
        "differences_critical": 0,
        "differences_high": 1,
        "differences_medium": 2,
        "differences_low": 0,
        "differences_info": 0,
    }


# --- properties -------------------------------------------------------------------------------

names = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
env_names = st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True)
quantities = st.sampled_from(["100m", "250m", "1", "2", "128Mi", "1Gi", "0.5Gi", "512Mi"])


@st.composite
def snapshots(draw: st.DrawFn) -> EnvSnapshot:
    services = {}
    for service in draw(st.lists(names, max_size=3, unique=True)):
        present = draw(st.booleans())
        containers = {
            c: ContainerSnapshot(
                name=c,
                image=f"reg/{c}:{draw(names)}",
                repository=f"reg/{c}",
                tag=draw(names),
                requests=draw(st.dictionaries(st.sampled_from(["cpu", "memory"]), quantities)),
                limits=draw(st.dictionaries(st.sampled_from(["cpu", "memory"]), quantities)),
                env=sorted(draw(st.sets(env_names, max_size=4))),
                env_complete=draw(st.booleans()),
            )
            for c in draw(st.lists(names, max_size=2, unique=True))
        }
        cms = {
            n: ConfigMapSnapshot(
                name=n, present=draw(st.booleans()), keys=sorted(draw(st.sets(env_names)))
            )
            for n in draw(st.lists(names, max_size=2, unique=True))
        }
        secrets = {
            n: SecretSnapshot(
                name=n,
                present=draw(st.sampled_from([True, False, None])),
                keys=sorted(draw(st.sets(names))),
            )
            for n in draw(st.lists(names, max_size=2, unique=True))
        }
        hpa = draw(
            st.none()
            | st.builds(
                HpaSnapshot,
                name=names,
                min_replicas=st.none() | st.integers(1, 5),
                max_replicas=st.integers(1, 10),
                metrics=st.dictionaries(st.sampled_from(["Resource cpu", "Pods rps"]), names),
            )
        )
        services[service] = ServiceSnapshot(
            deployment=service,
            present=present,
            replicas=draw(st.none() | st.integers(0, 5)),
            containers=containers if present else {},
            config_maps=cms,
            secrets=secrets,
            hpa=hpa,
        )
    return EnvSnapshot(
        namespace="ns",
        services=services,
        flags=draw(st.dictionaries(names, st.text(max_size=5))),
    )


@given(snapshots(), st.none() | st.sets(names))
def test_a_snapshot_has_no_differences_from_itself(snap: EnvSnapshot, candidates: set[str]) -> None:
    found = compare(snap, snap.model_copy(deep=True), candidates, pre_name=PRE, prod_name=PROD)
    # Only what could not be compared (unreadable, absent on both sides) is said, as info.
    assert all(f.severity is INFO and "not compared" in f.title for f in found)


@given(snapshots(), st.none() | st.sets(names))
def test_a_fully_readable_snapshot_has_no_findings_against_itself(
    snap: EnvSnapshot, candidates: set[str]
) -> None:
    for name, service in list(snap.services.items()):
        if not service.present:
            del snap.services[name]
        for c in service.containers.values():
            c.env_complete = True
        for secret in service.secrets.values():
            secret.present = bool(secret.present)
    assert compare(snap, snap.model_copy(deep=True), candidates, pre_name=PRE, prod_name=PROD) == []


MARK = "s3cr3t-value:"
secret_values = st.text(min_size=1, max_size=20).map(lambda text: MARK + text)


def secret_object(name: str, values: dict[str, str]) -> dict[str, object]:
    """A Secret as the API returns it: values base64-encoded in `data`."""
    data = {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}
    return {"kind": "Secret", "metadata": {"name": name}, "type": "Opaque", "data": data}


def deployment_using(secret: str, config: str) -> dict[str, object]:
    return {
        "metadata": {"name": "storefront"},
        "spec": {
            "replicas": 1,
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "reg/web:1",
                            "envFrom": [{"secretRef": {"name": secret}}],
                            "env": [
                                {
                                    "name": "TOKEN",
                                    "valueFrom": {"secretKeyRef": {"name": secret, "key": "t"}},
                                },
                                {
                                    "name": "MODE",
                                    "valueFrom": {"configMapKeyRef": {"name": config, "key": "m"}},
                                },
                            ],
                        }
                    ],
                    "volumes": [{"name": "keys", "secret": {"secretName": secret}}],
                }
            },
        },
    }


def env_from_objects(values: dict[str, str]) -> EnvSnapshot:
    deployment = deployment_using("payment-keys", "storefront-config")
    secrets = {
        "payment-keys": secret_snapshot("payment-keys", secret_object("payment-keys", values))
    }
    cms = {"storefront-config": config_map_snapshot("storefront-config", {"data": {"m": "x"}})}
    service = service_snapshot("storefront", deployment, cms, secrets, [])
    return EnvSnapshot(namespace="ns", services={"storefront": service})


@given(
    st.dictionaries(names, secret_values, min_size=1, max_size=4),
    st.dictionaries(names, secret_values, min_size=1, max_size=4),
)
def test_no_secret_value_reaches_a_snapshot_or_a_finding(
    pre_values: dict[str, str], prod_values: dict[str, str]
) -> None:
    pre, prod = env_from_objects(pre_values), env_from_objects(prod_values)
    found = compare(pre, prod, pre_name=PRE, prod_name=PROD)
    text = (
        pre.model_dump_json() + prod.model_dump_json() + json.dumps([f.model_dump() for f in found])
    )
    assert MARK not in text
    for value in [*pre_values.values(), *prod_values.values()]:
        assert base64.b64encode(value.encode()).decode() not in text
    # the key names, which are not secret, are what parity compares
    assert pre.services["storefront"].secrets["payment-keys"].keys == sorted(pre_values)


# --- through the official client, against the fake API server -------------------------------

PLANTED_SECRET = "planted-s3cret-value-do-not-show"


def deployment(namespace: str, name: str, image: str, **spec: Any) -> dict[str, Any]:
    """A Deployment with one container named like it; `spec` fields go into that container."""
    volumes = spec.pop("volumes", [])
    replicas = spec.pop("replicas", 2)
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [{"name": name, "image": image, **spec}],
                    "volumes": volumes,
                },
            },
        },
    }


def plant_shop(kube: FakeKubernetes, namespace: str, *, production: bool) -> None:
    """The same shop in two namespaces, but for the differences each test names."""
    env = [
        {"name": "CATALOG_URL", "value": "http://catalog:8080"},
        {
            "name": "PAYMENT_API_KEY",
            "valueFrom": {"secretKeyRef": {"name": "payment-keys", "key": "api-key"}},
        },
    ]
    if production:
        env.append({"name": "PAYMENT_TIMEOUT", "value": "30s"})  # planted: only in production
    storefront = deployment(
        namespace,
        "storefront",
        # the candidate release's service: a different tag is expected
        f"registry.example/shop/storefront:{'1.0' if production else '1.1'}",
        env=env,
        resources={
            "requests": {"cpu": "250m", "memory": "256Mi"},
            # planted: a more generous CPU limit in pre-production
            "limits": {"cpu": "1" if production else "2", "memory": "512Mi"},
        },
        volumeMounts=[{"name": "config", "mountPath": "/etc/shop"}],
        volumes=[
            {"name": "config", "configMap": {"name": "storefront-config"}},
            {"name": "keys", "secret": {"secretName": "payment-keys"}},
        ],
    )
    # planted: catalog is not in the candidate release, yet runs another tag in pre-production
    catalog = deployment(
        namespace, "catalog", f"registry.example/shop/catalog:{'1.0' if production else '0.9'}"
    )
    config_keys = {"LOG_LEVEL": "info", "THEME": "dark"} if production else {"LOG_LEVEL": "debug"}
    secret_keys = {"api-key": PLANTED_SECRET}
    if production:
        secret_keys["webhook-secret"] = PLANTED_SECRET + "-webhook"  # planted: a key name
    for obj in (
        storefront,
        catalog,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "storefront-config", "namespace": namespace},
            "data": config_keys,  # planted: THEME only in production
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "payment-keys", "namespace": namespace},
            "stringData": secret_keys,
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "preprod-flags", "namespace": namespace},
            # planted: a flag with another value
            "data": {"checkout.new_flow": "on" if production else "off", "search.v2": "on"},
        },
    ):
        kube.add(obj)
    if production:  # planted: catalog autoscales only in production
        kube.add(
            {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": "catalog", "namespace": namespace},
                "spec": {
                    "scaleTargetRef": {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": "catalog",
                    },
                    "minReplicas": 2,
                    "maxReplicas": 6,
                    "metrics": [
                        {
                            "type": "Resource",
                            "resource": {
                                "name": "cpu",
                                "target": {"type": "Utilization", "averageUtilization": 70},
                            },
                        }
                    ],
                },
            }
        )


SHOP_SERVICES = {
    "storefront": ServiceConfig(image="registry.example/shop/storefront"),
    "catalog": ServiceConfig(image="registry.example/shop/catalog"),
}


@pytest.fixture
def kube() -> Iterator[FakeKubernetes]:
    with FakeKubernetes(namespaces=("shop-staging", "shop-prod")) as fake:
        yield fake


def connect_to(kube: FakeKubernetes, tmp_path: Path, namespace: str, **env: Any) -> KubeApi:
    kubeconfig = kube.kubeconfig(tmp_path / f"{namespace}.kubeconfig", context="fake")
    config = EnvironmentConfig(
        kind="kubernetes", namespace=namespace, kubeconfig=str(kubeconfig), **env
    )
    return connect(namespace, config, tmp_path)


def snapshots_of_the_shop(kube: FakeKubernetes, tmp_path: Path) -> tuple[EnvSnapshot, EnvSnapshot]:
    plant_shop(kube, "shop-staging", production=False)
    plant_shop(kube, "shop-prod", production=True)
    pre_api = connect_to(kube, tmp_path, "shop-staging")
    prod_api = connect_to(kube, tmp_path, "shop-prod")
    try:
        return take_snapshot(pre_api, SHOP_SERVICES), take_snapshot(prod_api, SHOP_SERVICES)
    finally:
        pre_api.close()
        prod_api.close()


def test_a_cluster_snapshot_finds_each_planted_difference_and_nothing_else(
    kube: FakeKubernetes, tmp_path: Path
) -> None:
    pre, prod = snapshots_of_the_shop(kube, tmp_path)
    found = compare(pre, prod, {"storefront"}, pre_name=PRE, prod_name=PROD)
    assert sorted((f.severity.value, f.title) for f in found) == sorted(
        [
            ("high", "storefront: env var PAYMENT_TIMEOUT only in production"),
            ("medium", "storefront: cpu limit higher in staging"),
            ("medium", "storefront: ConfigMap storefront-config key THEME only in production"),
            ("medium", "storefront: Secret payment-keys key names differ"),
            ("medium", "catalog: image tag differs (not part of the candidate release)"),
            ("medium", "catalog: HPA only in production"),
            ("medium", "flag checkout.new_flow differs"),
        ]
    )
    result = parity_result(found, PRE, PROD)
    assert result.status is Status.FAIL
    assert result.summary == "7 differences from production (1 high, 6 medium)"


def test_a_cluster_snapshot_reads_what_parity_needs(kube: FakeKubernetes, tmp_path: Path) -> None:
    _, prod = snapshots_of_the_shop(kube, tmp_path)
    storefront = prod.services["storefront"]
    assert storefront.containers["storefront"].env == [
        "CATALOG_URL",
        "PAYMENT_API_KEY",
        "PAYMENT_TIMEOUT",
    ]
    assert storefront.containers["storefront"].tag == "1.0"
    assert storefront.secrets["payment-keys"].keys == ["api-key", "webhook-secret"]
    assert storefront.config_maps["storefront-config"].keys == ["LOG_LEVEL", "THEME"]
    hpa = prod.services["catalog"].hpa
    assert hpa is not None and hpa.metrics == {"Resource cpu": "Utilization 70"}
    assert prod.flags == {"checkout.new_flow": "on", "search.v2": "on"}
    assert (prod.namespace, prod.context) == ("shop-prod", "fake")


def test_a_planted_secret_value_never_leaves_the_cluster(
    kube: FakeKubernetes, tmp_path: Path
) -> None:
    pre, prod = snapshots_of_the_shop(kube, tmp_path)
    found = compare(pre, prod, pre_name=PRE, prod_name=PROD)
    result = parity_result(found, PRE, PROD)
    text = pre.model_dump_json() + prod.model_dump_json() + result.model_dump_json()
    encoded = base64.b64encode(PLANTED_SECRET.encode()).decode()
    assert PLANTED_SECRET not in text
    assert encoded[:20] not in text
    # ...though the bot did read the Secrets (their key names are compared)
    assert any("/secrets/payment-keys" in r.path for r in kube.requests)


def test_a_missing_deployment_is_recorded_not_raised(kube: FakeKubernetes, tmp_path: Path) -> None:
    api = connect_to(kube, tmp_path, "shop-staging")
    try:
        snap = take_snapshot(api, SHOP_SERVICES, flags_configmap="preprod-flags")
    finally:
        api.close()
    assert snap.services["storefront"] == ServiceSnapshot(deployment="storefront", present=False)
    assert (snap.flags_present, snap.flags) == (False, {})


class _NoSecrets(KubeApi):
    """The real client, as a ServiceAccount without the optional preprod-parity-secrets Role."""

    @property
    def core(self) -> k8s.CoreV1Api:
        core = super().core

        def forbidden(name: str, namespace: str, **_: Any) -> Any:
            raise ApiException(status=403, reason="Forbidden")

        core.read_namespaced_secret = forbidden  # type: ignore[method-assign,assignment]
        return core


def test_without_access_to_secrets_parity_says_what_it_did_not_compare(
    kube: FakeKubernetes, tmp_path: Path
) -> None:
    plant_shop(kube, "shop-staging", production=False)
    plant_shop(kube, "shop-prod", production=True)
    pre_api = connect_to(kube, tmp_path, "shop-staging")
    prod_api = connect_to(kube, tmp_path, "shop-prod")
    blind = _NoSecrets(prod_api.api_client, prod_api.namespace, prod_api.context)
    try:
        pre, prod = take_snapshot(pre_api, SHOP_SERVICES), take_snapshot(blind, SHOP_SERVICES)
    finally:
        pre_api.close()
        prod_api.close()
    assert prod.services["storefront"].secrets["payment-keys"].present is None
    found = compare(pre, prod, {"storefront"}, pre_name=PRE, prod_name=PROD)
    (note,) = [f for f in found if "payment-keys" in f.title]
    assert (note.severity, note.title) == (INFO, "storefront: Secret payment-keys not compared")
