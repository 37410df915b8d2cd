"""What an environment looks like, for a parity check: a snapshot of its services' Deployments.

Only what parity compares is kept: images, replicas, resources, env variable *names*, the keys of
referenced ConfigMaps, the presence and key names of referenced Secrets, HPAs and feature flags.
A Secret's values never enter a snapshot: its JSON is reduced to key names as soon as it arrives.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kubernetes.client.exceptions import ApiException
from pydantic import BaseModel, Field

from actions.config import ServiceConfig
from actions.environments.kubernetes.client import KubeApi
from actions.environments.kubernetes.retry import Calls, NotFound
from actions.errors import EnvironmentFailure

Json = Mapping[str, Any]


class ContainerSnapshot(BaseModel):
    """One container of a Deployment's pod template."""

    name: str
    image: str
    repository: str
    tag: str  # tag and/or `@digest`; `latest` when the image names neither
    requests: dict[str, str] = Field(default_factory=dict)
    limits: dict[str, str] = Field(default_factory=dict)
    env: list[str] = Field(default_factory=list)  # variable names only, sorted
    env_complete: bool = True  # false: an `envFrom` Secret could not be read


class ConfigMapSnapshot(BaseModel):
    name: str
    present: bool
    keys: list[str] = Field(default_factory=list)


class SecretSnapshot(BaseModel):
    """A referenced Secret: whether it exists and its key names; never a value."""

    name: str
    present: bool | None  # None: not readable with the bot's permissions
    keys: list[str] = Field(default_factory=list)


class HpaSnapshot(BaseModel):
    name: str
    min_replicas: int | None = None
    max_replicas: int
    metrics: dict[str, str] = Field(default_factory=dict)  # `Resource cpu` -> `Utilization 70`


class ServiceSnapshot(BaseModel):
    """A service's Deployment, or its absence."""

    deployment: str
    present: bool
    replicas: int | None = None
    containers: dict[str, ContainerSnapshot] = Field(default_factory=dict)
    config_maps: dict[str, ConfigMapSnapshot] = Field(default_factory=dict)
    secrets: dict[str, SecretSnapshot] = Field(default_factory=dict)
    hpa: HpaSnapshot | None = None


class EnvSnapshot(BaseModel):
    """One namespace (and context) as parity sees it."""

    namespace: str
    context: str | None = None
    services: dict[str, ServiceSnapshot] = Field(default_factory=dict)
    flags_configmap: str | None = None
    flags_present: bool = False
    flags: dict[str, str] = Field(default_factory=dict)


def take_snapshot(
    api: KubeApi,
    services: Mapping[str, ServiceConfig],
    *,
    flags_configmap: str | None = "preprod-flags",
) -> EnvSnapshot:
    """Read the services' Deployments, their ConfigMaps, Secrets (key names) and HPAs, and flags."""
    reader = _Reader(api)
    hpas = reader.hpas()
    snap = EnvSnapshot(
        namespace=api.namespace, context=api.context, flags_configmap=flags_configmap
    )
    for service, cfg in services.items():
        name = cfg.kubernetes.deployment or service
        deployment = reader.get("deployment", name, api.apps.read_namespaced_deployment)
        if deployment is None:
            snap.services[service] = ServiceSnapshot(deployment=name, present=False)
            continue
        cm_names, secret_names = referenced_objects(_pod_spec(deployment))
        config_maps = {n: reader.config_map(n) for n in sorted(cm_names)}
        secrets = {n: reader.secret(n) for n in sorted(secret_names)}
        snap.services[service] = service_snapshot(name, deployment, config_maps, secrets, hpas)
    if flags_configmap:
        flags = reader.get("configmap", flags_configmap, api.core.read_namespaced_config_map)
        snap.flags_present = flags is not None
        snap.flags = {str(k): str(v) for k, v in ((flags or {}).get("data") or {}).items()}
    return snap


# --- pure: Kubernetes JSON in, snapshot models out -------------------------------------------


def parse_image(image: str) -> tuple[str, str]:
    """`registry:5000/shop/web:1.2@sha256:…` -> (`registry:5000/shop/web`, `1.2@sha256:…`)."""
    name, _, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        repository, tag = name[:colon], name[colon + 1 :]
    else:
        repository, tag = name, ""
    if digest:
        return repository, f"{tag}@{digest}"
    return repository, tag or "latest"


def referenced_objects(pod_spec: Json) -> tuple[set[str], set[str]]:
    """Names of the ConfigMaps and Secrets a pod template uses (env, envFrom, volumes)."""
    config_maps: set[str] = set()
    secrets: set[str] = set()
    for container in _all_containers(pod_spec):
        for source in container.get("envFrom") or []:
            _add_name(config_maps, source.get("configMapRef"))
            _add_name(secrets, source.get("secretRef"))
        for var in container.get("env") or []:
            value_from = var.get("valueFrom") or {}
            _add_name(config_maps, value_from.get("configMapKeyRef"))
            _add_name(secrets, value_from.get("secretKeyRef"))
    for volume in pod_spec.get("volumes") or []:
        _add_name(config_maps, volume.get("configMap"))
        if (secret := volume.get("secret")) and secret.get("secretName"):
            secrets.add(str(secret["secretName"]))
        for projection in (volume.get("projected") or {}).get("sources") or []:
            _add_name(config_maps, projection.get("configMap"))
            _add_name(secrets, projection.get("secret"))
    return config_maps, secrets


def config_map_snapshot(name: str, obj: Json | None) -> ConfigMapSnapshot:
    if obj is None:
        return ConfigMapSnapshot(name=name, present=False)
    keys = set(obj.get("data") or {}) | set(obj.get("binaryData") or {})
    return ConfigMapSnapshot(name=name, present=True, keys=sorted(keys))


def secret_snapshot(name: str, obj: Json | None) -> SecretSnapshot:
    """Presence and key names of a Secret's JSON; the values are not looked at."""
    if obj is None:
        return SecretSnapshot(name=name, present=False)
    keys = set(obj.get("data") or {}) | set(obj.get("stringData") or {})
    return SecretSnapshot(name=name, present=True, keys=sorted(keys))


def hpa_snapshot(obj: Json) -> HpaSnapshot:
    spec = obj.get("spec") or {}
    metrics: dict[str, str] = {}
    for metric in spec.get("metrics") or []:
        kind = str(metric.get("type", "?"))
        source = metric.get(kind[:1].lower() + kind[1:]) or {}
        metrics[_metric_identity(kind, source)] = _metric_target(source.get("target") or {})
    return HpaSnapshot(
        name=str((obj.get("metadata") or {}).get("name", "")),
        min_replicas=spec.get("minReplicas"),
        max_replicas=int(spec.get("maxReplicas") or 0),
        metrics=metrics,
    )


def hpa_for(deployment: str, hpas: Iterable[Json]) -> Json | None:
    """The HPA whose scale target is this Deployment."""
    for hpa in hpas:
        ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        if ref.get("kind") == "Deployment" and ref.get("name") == deployment:
            return hpa
    return None


def service_snapshot(
    deployment_name: str,
    deployment: Json,
    config_maps: Mapping[str, ConfigMapSnapshot],
    secrets: Mapping[str, SecretSnapshot],
    hpas: Iterable[Json],
) -> ServiceSnapshot:
    """A present Deployment, with the ConfigMaps and Secrets it references already read."""
    pod_spec = _pod_spec(deployment)
    containers = {
        str(c.get("name", "")): container_snapshot(c, config_maps, secrets)
        for c in pod_spec.get("containers") or []
    }
    hpa = hpa_for(deployment_name, hpas)
    return ServiceSnapshot(
        deployment=deployment_name,
        present=True,
        replicas=(deployment.get("spec") or {}).get("replicas"),
        containers=containers,
        config_maps=dict(config_maps),
        secrets=dict(secrets),
        hpa=hpa_snapshot(hpa) if hpa is not None else None,
    )


def container_snapshot(
    container: Json,
    config_maps: Mapping[str, ConfigMapSnapshot],
    secrets: Mapping[str, SecretSnapshot],
) -> ContainerSnapshot:
    """A container's image, resources and env variable names (`env` and keys via `envFrom`)."""
    image = str(container.get("image", ""))
    repository, tag = parse_image(image)
    resources = container.get("resources") or {}
    names = {str(var["name"]) for var in container.get("env") or [] if var.get("name")}
    complete = True
    for source in container.get("envFrom") or []:
        prefix = str(source.get("prefix") or "")
        keys: list[str] = []
        if ref := source.get("configMapRef"):
            cm = config_maps.get(str(ref.get("name")))
            keys = cm.keys if cm else []
        elif ref := source.get("secretRef"):
            secret = secrets.get(str(ref.get("name")))
            if secret is None or secret.present is None:
                complete = False
            else:
                keys = secret.keys
        names.update(prefix + key for key in keys)
    return ContainerSnapshot(
        name=str(container.get("name", "")),
        image=image,
        repository=repository,
        tag=tag,
        requests={str(k): str(v) for k, v in (resources.get("requests") or {}).items()},
        limits={str(k): str(v) for k, v in (resources.get("limits") or {}).items()},
        env=sorted(names),
        env_complete=complete,
    )


def _pod_spec(deployment: Json) -> Json:
    return ((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}


def _all_containers(pod_spec: Json) -> list[Json]:
    return [*(pod_spec.get("initContainers") or []), *(pod_spec.get("containers") or [])]


def _add_name(names: set[str], ref: Json | None) -> None:
    if ref and ref.get("name"):
        names.add(str(ref["name"]))


def _metric_identity(kind: str, source: Json) -> str:
    metric = source.get("metric") or {}
    if kind == "Resource":
        return f"Resource {source.get('name')}"
    if kind == "ContainerResource":
        return f"ContainerResource {source.get('container')}/{source.get('name')}"
    if kind == "Object":
        described = source.get("describedObject") or {}
        return f"Object {described.get('kind')}/{described.get('name')} {metric.get('name')}"
    return f"{kind} {metric.get('name')}"


def _metric_target(target: Json) -> str:
    kind = str(target.get("type", "?"))
    value = {
        "Utilization": target.get("averageUtilization"),
        "AverageValue": target.get("averageValue"),
        "Value": target.get("value"),
    }.get(kind)
    return f"{kind} {value}"


# --- reading through the official client ----------------------------------------------------


class _Reader:
    """GETs as raw JSON through the shared call door (timeout, retries, plain errors)."""

    def __init__(self, api: KubeApi) -> None:
        self.api = api
        self.calls = Calls(host=str(api.api_client.configuration.host))
        self._config_maps: dict[str, ConfigMapSnapshot] = {}
        self._secrets: dict[str, SecretSnapshot] = {}

    def get(self, what: str, name: str, call: Callable[..., Any]) -> dict[str, Any] | None:
        """The object's JSON; None when it does not exist."""
        try:
            # `_preload_content=False`: the API's JSON as it is, not the client's typed model.
            response = self.calls.read(
                call,
                name,
                self.api.namespace,
                _preload_content=False,
                what=f"reading {what} {name} in {self._where()}",
            )
        except NotFound:
            return None
        return dict(json.loads(response.data))

    def config_map(self, name: str) -> ConfigMapSnapshot:
        if name not in self._config_maps:
            obj = self.get("configmap", name, self.api.core.read_namespaced_config_map)
            self._config_maps[name] = config_map_snapshot(name, obj)
        return self._config_maps[name]

    def secret(self, name: str) -> SecretSnapshot:
        if name not in self._secrets:
            try:
                obj = self.get("secret", name, self.api.core.read_namespaced_secret)
            except EnvironmentFailure as exc:
                cause = exc.__cause__
                if not (isinstance(cause, ApiException) and cause.status == 403):
                    raise
                # Reading Secrets is an optional permission (deploy/kubernetes): unknown, not fatal.
                self._secrets[name] = SecretSnapshot(name=name, present=None)
                return self._secrets[name]
            self._secrets[name] = secret_snapshot(name, obj)
            del obj  # the values go no further than this line
        return self._secrets[name]

    def hpas(self) -> list[dict[str, Any]]:
        try:
            response: Any = self.calls.read(  # raw JSON, as in `get`
                self.api.autoscaling.list_namespaced_horizontal_pod_autoscaler,
                self.api.namespace,
                _preload_content=False,
                what=f"listing horizontal pod autoscalers in {self._where()}",
            )
        except NotFound:  # autoscaling/v2 not served
            return []
        return list(json.loads(response.data).get("items") or [])

    def _where(self) -> str:
        where = f"namespace {self.api.namespace}"
        return f"{where} (context {self.api.context})" if self.api.context else where
