"""deploy/kubernetes: valid objects fitting the Dockerfile, the bot's secrets, least privilege."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import types
from pathlib import Path, PurePosixPath
from typing import Any, Union, get_args, get_origin

import pytest
import yaml
from kubernetes import client as k8s
from pydantic import AliasChoices, BaseModel

from actions.config import Settings
from bot import env_vars

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "kubernetes"
FILES = sorted(p for p in DEPLOY.glob("*.yaml") if p.name != "kustomization.yaml")
OPTIONAL = {"secret.example.yaml", "role-parity-secrets.yaml", "role-canary.yaml"}
READ_VERBS = {"get", "list", "watch"}


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def objects(kind: str) -> list[dict[str, Any]]:
    return [doc for path in FILES for doc in documents(path) if doc["kind"] == kind]


def one(kind: str) -> dict[str, Any]:
    (found,) = objects(kind)
    return found


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def bot_container() -> dict[str, Any]:
    (container,) = one("Deployment")["spec"]["template"]["spec"]["containers"]
    return container


def env_value(container: dict[str, Any], name: str) -> Any:
    return next(e for e in container["env"] if e["name"] == name)


def mount_path(container: dict[str, Any], volume: str) -> str:
    return str(next(m["mountPath"] for m in container["volumeMounts"] if m["name"] == volume))


def volume(name: str) -> dict[str, Any]:
    volumes = one("Deployment")["spec"]["template"]["spec"]["volumes"]
    return dict(next(v for v in volumes if v["name"] == name))


def in_cluster_settings() -> Settings:
    return Settings.model_validate(yaml.safe_load(one("ConfigMap")["data"]["preprod.yaml"]))


# --- every file is a valid object -----------------------------------------------------------


def unknown_fields(annotation: Any, value: Any, path: str) -> list[str]:
    """Keys the official client's model for this place does not know (typos, wrong nesting)."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return [p for arg in get_args(annotation) for p in unknown_fields(arg, value, path)]
    if origin is list and isinstance(value, list):
        (item,) = get_args(annotation)
        return [p for i, v in enumerate(value) for p in unknown_fields(item, v, f"{path}[{i}]")]
    if origin is dict and isinstance(value, dict):
        item = get_args(annotation)[1]
        return [p for k, v in value.items() for p in unknown_fields(item, v, f"{path}.{k}")]
    if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return []
    if not isinstance(value, dict):
        return []
    fields: dict[str, Any] = {}
    for name, info in annotation.model_fields.items():
        aliases = {name, *([info.alias] if info.alias else [])}
        if isinstance(info.validation_alias, AliasChoices):
            aliases |= {c for c in info.validation_alias.choices if isinstance(c, str)}
        fields.update({alias: info.annotation for alias in aliases})
    problems = []
    for key, sub in value.items():
        if key not in fields:
            problems.append(f"{path}.{key}")
        else:
            problems += unknown_fields(fields[key], sub, f"{path}.{key}")
    return problems


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_manifest_is_a_valid_kubernetes_object(path: Path) -> None:
    docs = documents(path)
    assert docs, f"{path.name} is empty"
    for doc in docs:
        model = getattr(k8s, f"V1{doc['kind']}")
        assert model.from_dict(doc) is not None
        assert unknown_fields(model, doc, doc["kind"]) == []
        assert doc["metadata"]["name"]
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"], f"{path.name}: {doc['kind']} needs a namespace"


def test_the_schema_check_catches_a_misspelt_field() -> None:
    broken = {"kind": "Deployment", "spec": {"template": {"spec": {"containers": [{"nmae": "x"}]}}}}
    assert unknown_fields(k8s.V1Deployment, broken, "Deployment") == [
        "Deployment.spec.template.spec.containers[0].nmae"
    ]


def test_kustomization_lists_every_manifest_but_the_optional_ones() -> None:
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    assert "namespace" not in kustomization  # it would move the Roles out of the managed namespaces
    assert set(kustomization["resources"]) == {p.name for p in FILES} - OPTIONAL
    assert {p.name for p in FILES} >= OPTIONAL


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_kustomize_builds_the_directory() -> None:
    built = subprocess.run(
        ["kubectl", "kustomize", str(DEPLOY)], capture_output=True, text=True, timeout=60
    )
    assert built.returncode == 0, built.stderr
    kinds = sorted(doc["kind"] for doc in yaml.safe_load_all(built.stdout) if doc)
    assert kinds == sorted(
        doc["kind"] for p in FILES if p.name not in OPTIONAL for doc in documents(p)
    )


# --- the Deployment fits the image ----------------------------------------------------------


def test_one_replica_recreated_because_sqlite_has_one_writer() -> None:
    spec = one("Deployment")["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "Recreate"}
    assert one("PersistentVolumeClaim")["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert one("PersistentVolumeClaim")["spec"]["resources"]["requests"]["storage"] == "1Gi"


def test_the_data_volume_is_the_claim_at_the_dockerfile_data_path() -> None:
    (data_path,) = json.loads(re.search(r"^VOLUME (.+)$", dockerfile(), re.M).group(1))  # type: ignore[union-attr]
    assert mount_path(bot_container(), "data") == data_path
    claim = volume("data")["persistentVolumeClaim"]["claimName"]
    assert claim == one("PersistentVolumeClaim")["metadata"]["name"]


def test_the_config_is_mounted_where_preprod_config_points() -> None:
    container = bot_container()
    config = PurePosixPath(env_value(container, env_vars.PREPROD_CONFIG)["value"])
    assert mount_path(container, "config") == str(config.parent)
    cm = volume("config")["configMap"]
    assert cm["name"] == one("ConfigMap")["metadata"]["name"]
    assert cm["items"] == [{"key": config.name, "path": config.name}]
    assert config.name in one("ConfigMap")["data"]
    # the image's own /app/preprod.yaml would be found before $PREPROD_CONFIG: name it explicitly
    args = container["args"]
    assert args[args.index("--config") + 1] == str(config)


def test_the_container_runs_the_dockerfile_server_as_its_user() -> None:
    container = bot_container()
    port = int(re.search(r"^EXPOSE (\d+)$", dockerfile(), re.M).group(1))  # type: ignore[union-attr]
    uid = int(re.search(r"--uid (\d+)", dockerfile()).group(1))  # type: ignore[union-attr]
    assert container["image"] == "preprod:latest"
    assert container["args"][:3] == ["serve", "--port", str(port)]
    assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    pod = one("Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsUser"] == uid
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["resources"]["requests"] and container["resources"]["limits"]


def test_health_probes_and_metrics_scraping() -> None:
    container = bot_container()
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}
    service = one("Service")
    assert service["spec"]["ports"][0]["port"] == container["ports"][0]["containerPort"]
    assert (
        service["spec"]["selector"].items()
        <= one("Deployment")["spec"]["template"]["metadata"]["labels"].items()
    )
    annotations = service["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) == container["ports"][0]["containerPort"]


def test_the_writable_places_are_volumes() -> None:
    writable = {
        mount_path(bot_container(), "data"),
        mount_path(bot_container(), "tmp"),
    }
    assert volume("tmp")["emptyDir"] is not None
    settings = in_cluster_settings()
    for path in (settings.storage.path, settings.storage.artifacts):
        assert any(PurePosixPath(path).is_relative_to(w) for w in writable), path


# --- secrets -------------------------------------------------------------------------------

SLACK_SECRETS = {
    value
    for name, value in vars(env_vars).items()
    if name.startswith("SLACK_") and name not in ("SLACK_API_URL",)
}


def test_the_deployment_reads_exactly_the_slack_secrets_of_the_bot() -> None:
    secret = one("Secret")
    from_secrets = {
        e["name"]: e["valueFrom"]["secretKeyRef"]
        for e in bot_container()["env"]
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    assert set(from_secrets) == SLACK_SECRETS
    assert set(secret["stringData"]) == SLACK_SECRETS
    for name, ref in from_secrets.items():
        assert (ref["name"], ref["key"]) == (secret["metadata"]["name"], name)
    assert from_secrets[env_vars.SLACK_APP_TOKEN].get("optional") is True  # Socket Mode only
    assert all(value == "" for value in secret["stringData"].values())  # names only
    assert not [e for e in bot_container()["env"] if e["name"] in SLACK_SECRETS and "value" in e]


# --- RBAC ----------------------------------------------------------------------------------


def roles() -> list[dict[str, Any]]:
    return objects("Role")


def test_no_cluster_wide_permissions_and_no_wildcards() -> None:
    kinds = {doc["kind"] for path in FILES for doc in documents(path)}
    assert not kinds & {"ClusterRole", "ClusterRoleBinding"}
    for role in roles():
        for rule in role["rules"]:
            for field in ("verbs", "resources", "apiGroups"):
                assert "*" not in rule[field], f"{role['metadata']['name']}: {rule}"
    for binding in objects("RoleBinding"):
        assert binding["roleRef"]["kind"] == "Role"


def test_the_pod_uses_the_service_account_the_role_bindings_bind() -> None:
    pod = one("Deployment")["spec"]["template"]["spec"]
    account = one("ServiceAccount")["metadata"]
    assert pod["serviceAccountName"] == account["name"]
    assert pod["automountServiceAccountToken"] is True
    assert account["namespace"] == one("Deployment")["metadata"]["namespace"]
    for binding in objects("RoleBinding"):
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": account["name"], "namespace": account["namespace"]}
        ]
        role = next(
            r
            for r in roles()
            if r["metadata"]["name"] == binding["roleRef"]["name"]
            and r["metadata"]["namespace"] == binding["metadata"]["namespace"]
        )
        assert role is not None


def verbs_in(namespace: str, *, optional: bool = False) -> dict[tuple[str, str], set[str]]:
    """(apiGroup, resource) -> verbs the bot's bound Roles grant in a namespace."""
    granted: dict[tuple[str, str], set[str]] = {}
    for path in FILES:
        if path.name in OPTIONAL and not optional:
            continue
        for doc in documents(path):
            if doc["kind"] == "Role" and doc["metadata"]["namespace"] == namespace:
                for rule in doc["rules"]:
                    for group in rule["apiGroups"]:
                        for resource in rule["resources"]:
                            granted.setdefault((group, resource), set()).update(rule["verbs"])
    return granted


def test_every_configured_namespace_has_a_role_and_production_is_read_only() -> None:
    settings = in_cluster_settings()
    bound = {b["metadata"]["namespace"] for b in objects("RoleBinding")}
    for name, env in settings.environments.items():
        assert env.kind == "kubernetes" and env.kubeconfig is None and env.context is None
        assert env.namespace in bound, f"environment {name}: no RoleBinding in {env.namespace}"
        granted = verbs_in(str(env.namespace), optional=True)
        if env.protected:
            assert all(verbs <= READ_VERBS for verbs in granted.values()), granted
        else:
            assert "patch" in granted[("apps", "deployments")]


def test_the_role_grants_what_the_bot_does_and_no_more() -> None:
    settings = in_cluster_settings()
    staging = settings.environments["staging"]
    granted = verbs_in(str(staging.namespace))
    assert granted == {
        ("apps", "deployments"): {"get", "list", "watch", "patch"},
        ("apps", "replicasets"): READ_VERBS,
        ("", "pods"): READ_VERBS,
        ("", "pods/log"): READ_VERBS,
        ("", "events"): READ_VERBS,
        ("", "configmaps"): READ_VERBS | {"create", "update", "patch"},
        ("autoscaling", "horizontalpodautoscalers"): {"get", "list"},
    }
    (flags_rule,) = [r for r in one_role("preprod")["rules"] if "update" in r["verbs"]]
    assert flags_rule["resourceNames"] == [staging.flags_configmap]
    assert ("", "secrets") not in granted  # only with the optional preprod-parity-secrets Role


def one_role(name: str) -> dict[str, Any]:
    (role,) = [r for r in roles() if r["metadata"]["name"] == name]
    return role


def test_the_optional_roles_grant_only_their_one_thing() -> None:
    secrets = [r for r in roles() if r["metadata"]["name"] == "preprod-parity-secrets"]
    assert secrets and all(
        r["rules"] == [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]
        for r in secrets
    )
    canary = one_role("preprod-canary")
    canaries = sorted(
        f"{svc.kubernetes.deployment or name}-canary"
        for app in in_cluster_settings().apps.values()
        for name, svc in app.services.items()
    )
    assert canary["rules"] == [
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["create"]},
        {
            "apiGroups": ["apps"],
            "resources": ["deployments"],
            "resourceNames": canaries,
            "verbs": ["delete"],
        },
    ]
    protected = {e.namespace for e in in_cluster_settings().environments.values() if e.protected}
    assert canary["metadata"]["namespace"] not in protected


def test_the_in_cluster_config_validates_with_the_project_schema() -> None:
    settings = in_cluster_settings()
    staging = settings.environments["staging"]
    assert staging.production_twin == "production"
    assert settings.environments["production"].protected
    assert all(svc.image for app in settings.apps.values() for svc in app.services.values())
