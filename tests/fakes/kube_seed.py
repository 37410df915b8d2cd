"""Seeding the fake cluster directly: any object as is, or a Deployment already rolled out."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.kube_controller import Controllers
from tests.fakes.kube_errors import already_exists
from tests.fakes.kube_kubelet import Kubelet
from tests.fakes.kube_objects import apply_defaults, default_pod_spec, resource_for
from tests.fakes.kube_store import Obj, Store
from tests.fakes.kube_validation import validate


def seed_object(store: Store, obj: Obj) -> Obj:
    """Store `obj` with defaults (namespace `default`, created if missing); 409 if it exists."""
    r = resource_for(obj["kind"])
    obj = copy.deepcopy(obj)
    meta = obj.setdefault("metadata", {})
    with store.lock:
        if r.namespaced:
            meta.setdefault("namespace", "default")
            store.ensure_namespace(meta["namespace"])
        if store.find(r.plural, meta.get("namespace"), meta["name"]) is not None:
            raise already_exists(r.plural, r.group, meta["name"])
        apply_defaults(r.plural, obj)
        return store.insert(r.plural, obj)


@dataclass(frozen=True)
class DeploymentSeed:
    """A Deployment with one container, rolled out at revision `len(revision_history) + 1`."""

    namespace: str
    name: str
    image: str
    replicas: int = 2
    labels: dict[str, str] | None = None
    container: str = "app"
    env: list[dict[str, Any]] | None = None
    resources: dict[str, Any] | None = None
    ports: list[dict[str, Any]] | None = None
    revision_history: Sequence[str] = ()
    min_ready_seconds: int = 0
    progress_deadline_seconds: int = 600
    annotations: dict[str, str] | None = field(default=None)

    def template(self, image: str) -> Obj:
        container: Obj = {"name": self.container, "image": image}
        for key, value in (("env", self.env), ("resources", self.resources), ("ports", self.ports)):
            if value:
                container[key] = copy.deepcopy(value)
        labels = dict(self.labels or {"app": self.name})
        spec: Obj = {"containers": [container]}
        default_pod_spec(spec)  # as the API server stored it, so `rollout undo` finds it again
        return {"metadata": {"labels": labels}, "spec": spec}

    def manifest(self) -> Obj:
        labels = dict(self.labels or {"app": self.name})
        d: Obj = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": self.name,
                "namespace": self.namespace,
                "labels": labels,
                "annotations": dict(self.annotations or {}),
                "generation": len(self.revision_history) + 1,
            },
            "spec": {
                "replicas": self.replicas,
                "selector": {"matchLabels": dict(labels)},
                "template": self.template(self.image),
                "minReadySeconds": self.min_ready_seconds,
                "progressDeadlineSeconds": self.progress_deadline_seconds,
            },
        }
        apply_defaults("deployments", d)
        validate(resource_for("deployments"), d, None)
        return d


def seed_deployment(
    seed: DeploymentSeed, store: Store, controllers: Controllers, kubelet: Kubelet
) -> Obj:
    """The Deployment, empty old ReplicaSets for `revision_history`, and the current one with
    `replicas` pods Running and Ready; statuses already reconciled."""
    manifest = seed.manifest()
    with store.lock:
        store.ensure_namespace(seed.namespace)
        if store.find("deployments", seed.namespace, seed.name) is not None:
            raise already_exists("deployments", "apps", seed.name)
        d = store.insert("deployments", manifest)
        for rev, old_image in enumerate(seed.revision_history, start=1):
            controllers.create_replicaset(d, seed.template(old_image), rev)
        current = len(seed.revision_history) + 1
        rs = controllers.create_replicaset(d, d["spec"]["template"], current, seed.replicas)
        for _ in range(seed.replicas):
            kubelet.adopt_ready(controllers.create_pod(rs))
        controllers.reconcile()
        return store.find("deployments", seed.namespace, seed.name) or d
