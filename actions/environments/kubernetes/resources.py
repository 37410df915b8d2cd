"""Reading a Deployment and its pieces (ReplicaSets, pods, events, logs) as plain dicts."""

from __future__ import annotations

from typing import Any

from kubernetes import client

from actions.environments.kubernetes.client import KubeApi
from actions.environments.kubernetes.objects import (
    Obj,
    event_time,
    labels,
    matches_selector,
    meta,
    name,
    selector_string,
)
from actions.environments.kubernetes.retry import Calls, NotFound
from actions.environments.kubernetes.revisions import new_replicaset, owned_replicasets, pods_of


class Cluster:
    """The reads and writes the environment makes, in one namespace, each with a timeout."""

    def __init__(self, api: KubeApi) -> None:
        self.api = api
        self.namespace = api.namespace
        self.calls = Calls(host=str(api.api_client.configuration.host))

    def as_dict(self, model: Any) -> Obj:
        """A model of the client as the API's JSON (camelCase keys)."""
        data = self.api.api_client.sanitize_for_serialization(model)
        return data if isinstance(data, dict) else {}

    def deployment(self, dep_name: str) -> Obj:
        what = f"reading deployment {dep_name} in namespace {self.namespace}"
        return self.as_dict(
            self.calls.read(
                self.api.apps.read_namespaced_deployment, dep_name, self.namespace, what=what
            )
        )

    def deployment_listed(self, dep_name: str) -> tuple[Obj, str]:
        """The Deployment and the list's resourceVersion, to watch from after a 410 Expired."""
        listed = self.calls.read(
            self.api.apps.list_namespaced_deployment,
            self.namespace,
            field_selector=f"metadata.name={dep_name}",
            what=f"listing deployment {dep_name} in namespace {self.namespace}",
        )
        items = [self.as_dict(item) for item in listed.items or []]
        found = next((d for d in items if name(d) == dep_name), None)
        if found is None:
            raise NotFound(f"deployment {dep_name} disappeared from namespace {self.namespace}")
        version = listed.metadata.resource_version if listed.metadata else None
        return found, str(version or meta(found).get("resourceVersion") or "")

    def warnings(self) -> list[Obj]:
        """The namespace's Warning events, oldest first."""
        found = self.events(field_selector="type=Warning")
        return sorted((e for e in found if e.get("type") == "Warning"), key=event_time)

    def deployment_or_none(self, dep_name: str) -> Obj | None:
        try:
            return self.deployment(dep_name)
        except NotFound:
            return None

    def deployments(self, label_selector: str) -> list[Obj]:
        listed = self.calls.read(
            self.api.apps.list_namespaced_deployment,
            self.namespace,
            label_selector=label_selector,
            what=f"listing deployments in {self.namespace}",
        )
        return [self.as_dict(item) for item in listed.items or []]

    def replicasets(self, deployment: Obj) -> list[Obj]:
        """The ReplicaSets the Deployment controls, oldest revision first."""
        selector = (deployment.get("spec") or {}).get("selector")
        listed = self.calls.read(
            self.api.apps.list_namespaced_replica_set,
            self.namespace,
            label_selector=selector_string(selector) or None,
            what=f"listing replica sets of {name(deployment)}",
        )
        return owned_replicasets(deployment, [self.as_dict(item) for item in listed.items or []])

    def pods(self, deployment: Obj) -> list[Obj]:
        """Every pod the Deployment's selector matches (all its revisions)."""
        selector = (deployment.get("spec") or {}).get("selector")
        listed = self.calls.read(
            self.api.core.list_namespaced_pod,
            self.namespace,
            label_selector=selector_string(selector) or None,
            what=f"listing pods of {name(deployment)}",
        )
        found = [self.as_dict(item) for item in listed.items or []]
        return [pod for pod in found if matches_selector(selector, labels(pod))]

    def new_pods(self, deployment: Obj) -> list[Obj]:
        """The pods of the Deployment's current revision (none before its ReplicaSet exists)."""
        current = new_replicaset(deployment, self.replicasets(deployment))
        return pods_of(current, self.pods(deployment)) if current else []

    def events(self, field_selector: str | None = None) -> list[Obj]:
        """Events of the namespace, oldest first."""
        listed = self.calls.read(
            self.api.core.list_namespaced_event,
            self.namespace,
            field_selector=field_selector,
            what=f"listing events in {self.namespace}",
        )
        return [self.as_dict(item) for item in listed.items or []]

    def patch_deployment(self, dep_name: str, body: object, content_type: str) -> Obj:
        """Change a Deployment (strategic merge or JSON patch); its new state."""
        return self.as_dict(
            self.calls.write(
                self.api.apps.patch_namespaced_deployment,
                dep_name,
                self.namespace,
                body,
                _content_type=content_type,
                what=f"updating deployment {dep_name} in namespace {self.namespace}",
            )
        )

    def create_deployment(self, body: Obj) -> Obj:
        return self.as_dict(
            self.calls.write(
                self.api.apps.create_namespaced_deployment,
                self.namespace,
                client.V1Deployment.from_dict(body),
                what=f"creating deployment {name(body)} in namespace {self.namespace}",
            )
        )

    def delete_deployment(self, dep_name: str) -> None:
        self.calls.write(
            self.api.apps.delete_namespaced_deployment,
            dep_name,
            self.namespace,
            what=f"deleting deployment {dep_name} in namespace {self.namespace}",
        )

    def pod_log(self, pod: str, container: str, **options: Any) -> str:
        what = f"reading the log of {pod}/{container}"
        text = self.calls.read(
            self.api.core.read_namespaced_pod_log,
            pod,
            self.namespace,
            container=container,
            what=what,
            **options,
        )
        return text if isinstance(text, str) else str(text or "")
