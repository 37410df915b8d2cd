"""The resources the fake serves, facts about objects, and the API server's defaulting."""

from __future__ import annotations

import base64
import copy
import json
import random
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# The alphabet of k8s.io/apimachinery/pkg/util/rand: no vowels, no confusable characters.
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
TEMPLATE_HASH = "pod-template-hash"
NODE = "fake-node"
CHAOS_MESH = "chaos-mesh.org"  # the group of Chaos Mesh's custom resources


@dataclass(frozen=True)
class Resource:
    """One API resource: where it lives, what it is called, which subresources it has."""

    plural: str
    kind: str
    group: str = ""
    version: str = "v1"
    namespaced: bool = True
    status_subresource: bool = False
    generation: bool = False
    short_names: tuple[str, ...] = ()
    crd: bool = False  # a custom resource: served only once its group is installed

    def served(self, crd_groups: Collection[str]) -> bool:
        """Whether the API serves this resource, given the installed custom resource groups."""
        return not self.crd or self.group in crd_groups

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


RESOURCES: dict[str, Resource] = {
    r.plural: r
    for r in (
        Resource(
            "namespaces",
            "Namespace",
            namespaced=False,
            status_subresource=True,
            short_names=("ns",),
        ),
        Resource("pods", "Pod", status_subresource=True, short_names=("po",)),
        Resource("events", "Event", short_names=("ev",)),
        Resource("configmaps", "ConfigMap", short_names=("cm",)),
        Resource("secrets", "Secret"),
        Resource("services", "Service", status_subresource=True, short_names=("svc",)),
        Resource(
            "deployments",
            "Deployment",
            "apps",
            status_subresource=True,
            generation=True,
            short_names=("deploy",),
        ),
        Resource(
            "replicasets",
            "ReplicaSet",
            "apps",
            status_subresource=True,
            generation=True,
            short_names=("rs",),
        ),
        Resource("jobs", "Job", "batch", status_subresource=True, generation=True),
        Resource(
            "horizontalpodautoscalers",
            "HorizontalPodAutoscaler",
            "autoscaling",
            "v2",
            status_subresource=True,
            short_names=("hpa",),
        ),
        # Chaos Mesh's experiments (FakeKubernetes.install_chaos_mesh); no status subresource
        *(
            Resource(plural, kind, CHAOS_MESH, "v1alpha1", generation=True, crd=True)
            for plural, kind in (("networkchaos", "NetworkChaos"), ("httpchaos", "HTTPChaos"))
        ),
    )
}


def resource_for(kind_or_plural: str) -> Resource:
    """Look a resource up by plural, kind or short name (case-insensitive)."""
    wanted = kind_or_plural.lower()
    for r in RESOURCES.values():
        if wanted in (r.plural, r.kind.lower(), *r.short_names) or wanted == r.plural[:-1]:
            return r
    raise KeyError(f"the fake serves no resource {kind_or_plural!r}")


def now() -> datetime:
    return datetime.now(UTC)


def rfc3339(moment: datetime | None = None) -> str:
    return (moment or now()).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_nano(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def new_uid() -> str:
    return str(uuid.uuid4())


def random_suffix(rng: random.Random, length: int = 5) -> str:
    return "".join(rng.choice(SAFE_ALPHABET) for _ in range(length))


def pod_template_hash(template: dict[str, Any], collision_count: int = 0) -> str:
    """FNV-32a of the template, rendered like the controller's `rand.SafeEncodeString`."""
    data = json.dumps(without_hash(template), sort_keys=True).encode()
    if collision_count:
        data += str(collision_count).encode()
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return "".join(SAFE_ALPHABET[int(d) % len(SAFE_ALPHABET)] for d in str(h))


def without_hash(template: dict[str, Any]) -> dict[str, Any]:
    """A pod template with its `pod-template-hash` label removed (`EqualIgnoreHash`)."""
    template = copy.deepcopy(template)
    labels = template.get("metadata", {}).get("labels")
    if labels:
        labels.pop(TEMPLATE_HASH, None)
    return template


def count(obj: dict[str, Any] | None, key: str) -> int:
    """A count of an object's status (0 when absent: Go's omitempty leaves zeros out)."""
    return int(((obj or {}).get("status") or {}).get(key) or 0)


def is_ready(pod: dict[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def owner_ref(owner: dict[str, Any]) -> dict[str, Any]:
    """The ownerReference a controller puts on what it creates."""
    meta = owner["metadata"]
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def revision(rs: dict[str, Any]) -> str:
    return (rs["metadata"].get("annotations") or {}).get(REVISION, "0")


def same_template(rs: dict[str, Any], deployment: dict[str, Any]) -> bool:
    return without_hash(rs["spec"]["template"]) == without_hash(deployment["spec"]["template"])


# defaults ------------------------------------------------------------------------------------


def _default_container(c: dict[str, Any]) -> None:
    image = str(c.get("image", ""))
    latest = ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest")
    c.setdefault("imagePullPolicy", "Always" if latest else "IfNotPresent")
    c.setdefault("resources", {})
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    for port in c.get("ports") or []:
        port.setdefault("protocol", "TCP")


def default_pod_spec(spec: dict[str, Any]) -> None:
    for c in spec.get("containers") or []:
        _default_container(c)
    for c in spec.get("initContainers") or []:
        _default_container(c)
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")


def apply_defaults(plural: str, obj: dict[str, Any]) -> None:
    """Fill in what the API server's defaulting would (in place)."""
    spec = obj.setdefault("spec", {}) if plural not in ("configmaps", "secrets", "events") else {}
    if plural in ("deployments", "replicasets"):
        spec.setdefault("replicas", 1)
        default_pod_spec(spec.setdefault("template", {}).setdefault("spec", {}))
    if plural == "deployments":
        strategy = spec.setdefault("strategy", {"type": "RollingUpdate"})
        if strategy.get("type", "RollingUpdate") == "RollingUpdate":
            strategy["type"] = "RollingUpdate"
            rolling = strategy.setdefault("rollingUpdate", {})
            rolling.setdefault("maxUnavailable", "25%")
            rolling.setdefault("maxSurge", "25%")
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
    elif plural == "pods":
        default_pod_spec(spec)
        obj.setdefault("status", {"phase": "Pending", "qosClass": qos_class(spec)})
    elif plural == "services":
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        for port in spec.get("ports") or []:
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
        obj.setdefault("status", {"loadBalancer": {}})
    elif plural == "namespaces":
        name = obj["metadata"]["name"]
        obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = name
        spec.setdefault("finalizers", ["kubernetes"])
        obj["status"] = {"phase": "Active"}
    elif plural == "secrets":
        obj.setdefault("type", "Opaque")
        string_data = obj.pop("stringData", None) or {}
        data = obj.setdefault("data", {})
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
    elif plural == "horizontalpodautoscalers":
        spec.setdefault("minReplicas", 1)
        obj.setdefault("status", {"desiredReplicas": 0})


def qos_class(spec: dict[str, Any]) -> str:
    resources = [c.get("resources") or {} for c in spec.get("containers") or []]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    guaranteed = all(
        r.get("limits")
        and set(r["limits"]) >= {"cpu", "memory"}
        and all(r.get("requests", r["limits"]).get(k) == r["limits"][k] for k in ("cpu", "memory"))
        for r in resources
    )
    return "Guaranteed" if guaranteed else "Burstable"
