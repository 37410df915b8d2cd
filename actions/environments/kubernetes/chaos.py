"""Chaos in a kubernetes environment: pods deleted, a Deployment scaled to zero, and the network
faults as Chaos Mesh experiments (https://chaos-mesh.org, `chaos-mesh.org/v1alpha1`).

Every call goes through the environment's guard first (allowlists; `protected` for changes), so
a protected environment never gets a fault. Each Chaos Mesh resource is named for the fault's
reference and labelled `preprod.io/chaos` and `preprod.io/service`: an undo finds it by name, a
restore by label, from nothing but stored data. Chaos Mesh also ends each experiment itself once
its `duration` is over, should preprod die before the undo.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from actions.chaos.inject import UndoData
from actions.chaos.method import Fault
from actions.environments.kubernetes.chaos_mesh import (
    GROUP,
    PLURALS,
    VERSION,
    chaos_effect,
    chaos_kind,
    chaos_spec,
    resource_name,
)
from actions.environments.kubernetes.objects import Obj, meta, name
from actions.environments.kubernetes.resources import Cluster
from actions.environments.kubernetes.retry import NotFound
from actions.errors import EnvironmentFailure, NotAvailable, PreprodError

if TYPE_CHECKING:
    from actions.environments.kubernetes.environment import KubernetesEnvironment

CHAOS_LABEL, SERVICE_LABEL = "preprod.io/chaos", "preprod.io/service"
NETWORK = frozenset({"latency", "errors", "reset", "blackhole", "bandwidth"})
READY_TIMEOUT_S, POLL_S = 120.0, 0.5
_MERGE = "application/merge-patch+json"


class KubernetesInjector:
    """Faults into one kubernetes environment's Deployments (the chaos `Injector`)."""

    def __init__(
        self,
        env: KubernetesEnvironment,
        *,
        ready_timeout_s: float = READY_TIMEOUT_S,
        poll_s: float = POLL_S,
    ) -> None:
        self.env = env
        self.environment = env.name
        self.ready_timeout_s, self.poll_s = ready_timeout_s, poll_s

    def replicas(self) -> dict[str, int]:
        """Ready pods of each service's Deployment (services without one here are left out)."""
        cluster = self._cluster(mutating=False)
        found: dict[str, int] = {}
        for target in self.env._all():
            deployment = cluster.deployment_or_none(target.deployment)
            if deployment is not None:
                found[target.service] = _ready(deployment)
        return found

    def snapshot(self, service: str) -> UndoData:
        return {"replicas": _desired(self._deployment(self._cluster(mutating=False), service))}

    def prepare(self, fault: Fault, ref: str) -> UndoData:
        """Reads only: the replicas, the pods to delete, or the Chaos Mesh resource to create."""
        cluster = self._cluster(mutating=True)
        deployment = self._deployment(cluster, fault.service)
        if fault.type == "scale_to_zero":
            return {"replicas": _desired(deployment)}
        if fault.type == "shutdown":
            pods = _running(cluster.pods(deployment))
            if not pods:
                raise EnvironmentFailure(f"{fault.service} has no running pod to delete")
            chosen = pods[: min(fault.instances.touched(len(pods)), len(pods))]
            return {"pods": [name(p) for p in chosen], "of": len(pods)}
        kind = chaos_kind(fault)
        self._require_chaos_mesh(cluster, fault, kind)
        if kind == "HTTPChaos":
            self._port(fault, deployment)  # no port: say so now, before anything acts
        return {"kind": kind, "name": resource_name(ref), "namespace": cluster.namespace}

    def apply(self, fault: Fault, undo: UndoData) -> str:
        cluster = self._cluster(mutating=True)
        if fault.type == "shutdown":
            return self._delete_pods(cluster, fault.service, undo)
        if fault.type == "scale_to_zero":
            deployment = self.env._target(fault.service).deployment
            self._scale(cluster, deployment, 0)
            return f"scaled {deployment} from {undo['replicas']} to 0 replicas"
        return self._create_experiment(cluster, fault, undo)

    def undo(self, action: str, service: str, undo: UndoData) -> str:
        cluster = self._cluster(mutating=True)
        if action == "shutdown":  # the ReplicaSet replaces deleted pods: wait for them
            return f"{service}: {self._wait_ready(cluster, service)}"
        if action == "scale_to_zero":
            return f"{service}: {self._scale_back(cluster, service, undo.get('replicas'))}"
        if action in NETWORK and undo.get("name"):
            self._check_namespace(cluster, str(undo.get("namespace") or cluster.namespace))
            return self._delete_experiment(cluster, str(undo["kind"]), str(undo["name"]))
        return f"{action} on {service}: nothing to undo"

    def restore(self, service: str, before: UndoData) -> str:
        """Delete preprod's Chaos Mesh resources of the service, then its replicas as before."""
        cluster = self._cluster(mutating=True)
        done = [self._delete_experiment(cluster, k, n) for k, n in self._labelled(cluster, service)]
        done.append(self._scale_back(cluster, service, before.get("replicas")))
        return f"{service}: " + "; ".join(done)

    def close(self) -> None:
        """Nothing to close: the environment owns the connection."""

    # network faults ----------------------------------------------------------------------------

    def _require_chaos_mesh(self, cluster: Cluster, fault: Fault, kind: str) -> None:
        unavailable = f"{fault.type} on {fault.service} is not available in this cluster"
        what = f"reading the Chaos Mesh API ({GROUP}/{VERSION})"
        try:
            found = cluster.calls.read(
                cluster.api.custom.get_api_resources, GROUP, VERSION, what=what
            )
        except NotFound:
            raise NotAvailable(
                f"{unavailable}: Chaos Mesh ({GROUP}/{VERSION}) is not installed"
            ) from None
        if PLURALS[kind] not in {r.name for r in found.resources or []}:
            raise NotAvailable(f"{unavailable}: its Chaos Mesh does not serve {kind}")

    def _port(self, fault: Fault, deployment: Obj) -> int:
        """The container's TCP port HTTPChaos intercepts: the one named `http`, else the first."""
        target = self.env._target(fault.service)
        container = target.container_of(deployment)
        ports = [p for p in container.get("ports") or [] if p.get("protocol", "TCP") == "TCP"]
        if not ports:
            raise NotAvailable(
                f"{fault.type} on {fault.service} is not available in this cluster: container "
                f"{container.get('name')} of deployment {target.deployment} declares no TCP port "
                "for HTTPChaos to intercept"
            )
        chosen = next((p for p in ports if p.get("name") == "http"), ports[0])
        return int(chosen["containerPort"])

    def _create_experiment(self, cluster: Cluster, fault: Fault, undo: UndoData) -> str:
        kind, resource = str(undo["kind"]), str(undo["name"])
        namespace = self._check_namespace(cluster, str(undo["namespace"]))
        deployment = self._deployment(cluster, fault.service)
        pods = max(1, _ready(deployment) or _desired(deployment))
        touched = min(fault.instances.touched(pods), pods)
        port = self._port(fault, deployment) if kind == "HTTPChaos" else None
        create = cluster.api.custom.create_namespaced_custom_object
        selector = (deployment.get("spec") or {}).get("selector") or {}
        labels = {CHAOS_LABEL: resource.removeprefix("preprod-"), SERVICE_LABEL: fault.service}
        body = {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": kind,
            "metadata": {"name": resource, "namespace": namespace, "labels": labels},
            "spec": chaos_spec(fault, namespace, selector, touched, pods, port),
        }
        what = f"creating {kind} {resource} in namespace {namespace}"
        try:
            cluster.calls.write(create, *_where(cluster, kind), body, what=what)
        except PreprodError as exc:
            if getattr(exc.__cause__, "status", None) != 409:  # 409: applied already
                raise
        which = f"all {pods} pods" if touched >= pods else f"{touched} of {pods} pods"
        port_text = f" on port {port}" if port else ""
        return (
            f"{kind} {resource}: {chaos_effect(fault)} on {which} of {fault.service}"
            f"{port_text} for {max(1, math.ceil(fault.duration))}s"
        )

    def _delete_experiment(self, cluster: Cluster, kind: str, resource: str) -> str:
        delete = cluster.api.custom.delete_namespaced_custom_object
        what = f"deleting {kind} {resource} in namespace {cluster.namespace}"
        try:
            cluster.calls.write(delete, *_where(cluster, kind), resource, what=what)
        except NotFound:
            return f"{kind} {resource} already gone"
        return f"deleted {kind} {resource}"

    def _labelled(self, cluster: Cluster, service: str) -> list[tuple[str, str]]:
        """(kind, name) of preprod's Chaos Mesh resources on `service` (none without Chaos Mesh)."""
        found = []
        list_ = cluster.api.custom.list_namespaced_custom_object
        selector = f"{CHAOS_LABEL},{SERVICE_LABEL}={service}"
        for kind in PLURALS:
            what = f"listing {kind} of {service} in namespace {cluster.namespace}"
            try:
                listed = cluster.calls.read(
                    list_, *_where(cluster, kind), label_selector=selector, what=what
                )
            except NotFound:
                continue
            items = listed.get("items") if isinstance(listed, dict) else None
            found += [(kind, name(item)) for item in items or []]
        return found

    def _check_namespace(self, cluster: Cluster, namespace: str) -> str:
        if namespace != cluster.namespace:
            raise EnvironmentFailure(
                f"the undo data names namespace {namespace}, not {cluster.namespace} of "
                f"{self.environment}: nothing done"
            )
        return namespace

    # pods and replicas -------------------------------------------------------------------------

    def _delete_pods(self, cluster: Cluster, service: str, undo: UndoData) -> str:
        deleted, gone = [], []
        for pod in undo["pods"]:
            try:
                cluster.calls.write(
                    cluster.api.core.delete_namespaced_pod,
                    pod,
                    cluster.namespace,
                    what=f"deleting pod {pod} of {service}",
                )
                deleted.append(pod)
            except NotFound:
                gone.append(pod)
        text = f"deleted {len(deleted)} of {undo['of']} pods of {service}"
        text += f": {', '.join(deleted)}" if deleted else ""
        return text + (f" ({', '.join(gone)} already gone)" if gone else "")

    def _scale_back(self, cluster: Cluster, service: str, replicas: object) -> str:
        """Scale to `replicas` (if known and different), then wait until that many are ready."""
        deployment = self.env._target(service).deployment
        current = _desired(cluster.deployment(deployment))
        done = []
        if isinstance(replicas, int) and replicas != current:
            self._scale(cluster, deployment, replicas)
            done.append(f"scaled {deployment} from {current} back to {replicas} replicas")
        return "; ".join([*done, self._wait_ready(cluster, service)])

    def _scale(self, cluster: Cluster, deployment: str, replicas: int) -> None:
        cluster.calls.write(
            cluster.api.apps.patch_namespaced_deployment_scale,
            deployment,
            cluster.namespace,
            {"spec": {"replicas": replicas}},
            _content_type=_MERGE,
            what=f"scaling deployment {deployment} to {replicas} in namespace {cluster.namespace}",
        )

    def _wait_ready(self, cluster: Cluster, service: str) -> str:
        """Wait (bounded) until the Deployment has as many ready, running pods as it wants."""
        deadline = time.monotonic() + self.ready_timeout_s
        while True:
            deployment = self._deployment(cluster, service)
            want = _desired(deployment)
            ready = sum(map(_is_ready, _running(cluster.pods(deployment))))
            if ready >= want:
                return f"{ready} of {want} pods ready"
            if time.monotonic() >= deadline:
                raise EnvironmentFailure(
                    f"{service} has {ready} of {want} pods ready after "
                    f"{self.ready_timeout_s:g}s on {self.environment}"
                )
            time.sleep(self.poll_s)

    def _cluster(self, *, mutating: bool) -> Cluster:
        self.env._guard(mutating=mutating)
        return self.env._connect()

    def _deployment(self, cluster: Cluster, service: str) -> Obj:
        return cluster.deployment(self.env._target(service).deployment)


def _where(cluster: Cluster, kind: str) -> tuple[str, str, str, str]:
    """Group, version, namespace and plural: where a Chaos Mesh resource of `kind` lives."""
    return GROUP, VERSION, cluster.namespace, PLURALS[kind]


def _desired(deployment: Obj) -> int:
    return int((deployment.get("spec") or {}).get("replicas", 1) or 0)


def _ready(deployment: Obj) -> int:
    return int((deployment.get("status") or {}).get("readyReplicas") or 0)


def _running(pods: list[Obj]) -> list[Obj]:
    """Pods neither terminating nor finished, oldest first (then by name)."""
    alive = [
        p
        for p in pods
        if not meta(p).get("deletionTimestamp")
        and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
    ]
    return sorted(alive, key=lambda p: (str(meta(p).get("creationTimestamp") or ""), name(p)))


def _is_ready(pod: Obj) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
