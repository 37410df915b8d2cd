"""The fake kube-controller-manager: one `reconcile()` pass over every controller.

Deployments (kube_deployments), ReplicaSets (pods `<rs>-<5 chars>`, not-ready and newest pods
deleted first, availability with minReadySeconds), HPA status (no autoscaling) and the garbage
collector (ReplicaSets and pods whose Deployment or ReplicaSet owner is gone).
"""

from __future__ import annotations

import copy
import math
import time
from datetime import timedelta

from tests.fakes.kube_deployments import DeploymentController
from tests.fakes.kube_events import EventRecorder
from tests.fakes.kube_kubelet import Kubelet
from tests.fakes.kube_objects import (
    apply_defaults,
    count,
    is_ready,
    now,
    owner_ref,
    random_suffix,
    rfc3339,
)
from tests.fakes.kube_store import Obj, Store

_OWNER_KINDS = {"Deployment": "deployments", "ReplicaSet": "replicasets"}


class Controllers:
    """Runs under the store lock; the fake's background thread calls `reconcile` each tick."""

    def __init__(self, store: Store, events: EventRecorder, kubelet: Kubelet) -> None:
        self.store, self.events, self.kubelet = store, events, kubelet
        self.deployments = DeploymentController(store, events)

    def reconcile(self) -> None:
        with self.store.lock:
            self._collect_garbage()
            for d in self.store.objects("deployments"):
                self.deployments.sync(d)
            for rs in self.store.objects("replicasets"):
                self._sync_replicaset(rs)
            for d in self.store.objects("deployments"):  # see the ReplicaSets' new status
                self.deployments.sync(d)
            self._sync_hpas()

    def create_replicaset(self, d: Obj, template: Obj, rev: int, replicas: int = 0) -> Obj:
        return self.deployments.create_replicaset(d, template, rev, replicas)

    def create_pod(self, rs: Obj) -> Obj:
        """A pod `<rs>-<5 random chars>` from the ReplicaSet's template, owned by it."""
        template, meta = rs["spec"]["template"], rs["metadata"]
        pod: Obj = {
            "metadata": {
                "name": f"{meta['name']}-{random_suffix(self.store.rng)}",
                "generateName": f"{meta['name']}-",
                "namespace": meta["namespace"],
                "labels": dict(template["metadata"].get("labels") or {}),
                "ownerReferences": [owner_ref(rs)],
            },
            "spec": {**copy.deepcopy(template["spec"]), "serviceAccountName": "default"},
        }
        if template["metadata"].get("annotations"):
            pod["metadata"]["annotations"] = dict(template["metadata"]["annotations"])
        apply_defaults("pods", pod)
        return self.store.insert("pods", pod)

    # replicasets -------------------------------------------------------------------------------

    def _sync_replicaset(self, rs: Obj) -> None:
        pods = self.store.owned_by("pods", rs)
        pods = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
        want = rs["spec"]["replicas"]
        for _ in range(want - len(pods)):
            pod = self.create_pod(rs)
            pods.append(pod)
            message = f"Created pod: {pod['metadata']['name']}"
            self.events.record(rs, "Normal", "SuccessfulCreate", message, "replicaset-controller")
        if len(pods) > want:  # delete not-ready pods first, then the newest
            pods.sort(key=lambda p: p["metadata"]["creationTimestamp"], reverse=True)
            pods.sort(key=is_ready)
            for pod in pods[: len(pods) - want]:
                self._delete_pod(pod)
                message = f"Deleted pod: {pod['metadata']['name']}"
                self.events.record(
                    rs, "Normal", "SuccessfulDelete", message, "replicaset-controller"
                )
            pods = pods[len(pods) - want :]
        min_ready = rs["spec"].get("minReadySeconds", 0)
        status = {
            "replicas": len(pods),
            "fullyLabeledReplicas": len(pods),
            "readyReplicas": sum(map(is_ready, pods)),
            "availableReplicas": sum(self._available(p, min_ready) for p in pods),
            "observedGeneration": rs["metadata"]["generation"],
        }
        rs["status"] = {k: v for k, v in status.items() if v or k == "replicas"}
        self.store.save("replicasets", rs)

    def _available(self, pod: Obj, min_ready: int) -> bool:
        since = self.kubelet.ready_since(pod["metadata"]["uid"])
        ready_long_enough = (since or math.inf) + min_ready <= time.monotonic()
        return is_ready(pod) and (min_ready == 0 or ready_long_enough)

    def _delete_pod(self, pod: Obj) -> None:
        """Graceful deletion, as the API does it: the kubelet removes the pod shortly after."""
        grace = pod["spec"].get("terminationGracePeriodSeconds", 30)
        pod["metadata"]["deletionTimestamp"] = rfc3339(now() + timedelta(seconds=grace))
        pod["metadata"]["deletionGracePeriodSeconds"] = grace
        self.store.save("pods", pod)

    # HPAs and garbage --------------------------------------------------------------------------

    def _sync_hpas(self) -> None:
        for hpa in self.store.objects("horizontalpodautoscalers"):
            spec = hpa["spec"]
            ref = spec.get("scaleTargetRef") or {}
            plural = _OWNER_KINDS.get(ref.get("kind", ""))
            ns = hpa["metadata"]["namespace"]
            target = self.store.find(plural, ns, ref.get("name", "")) if plural else None
            if target is None:
                continue
            low, high = spec.get("minReplicas", 1), spec.get("maxReplicas", 1)
            current = count(target, "replicas")
            hpa["status"] = {
                **({"currentReplicas": current} if current else {}),
                "desiredReplicas": min(max(target["spec"]["replicas"], low), high),
            }
            self.store.save("horizontalpodautoscalers", hpa)

    def _collect_garbage(self) -> None:
        """Delete ReplicaSets and pods whose owning Deployment or ReplicaSet is gone."""
        for plural in ("replicasets", "pods"):
            alive = {
                o["metadata"]["uid"] for p in _OWNER_KINDS.values() for o in self.store.objects(p)
            }
            for obj in self.store.objects(plural):
                meta, refs = obj["metadata"], obj["metadata"].get("ownerReferences") or []
                if not refs or any(
                    r.get("kind") not in _OWNER_KINDS or r["uid"] in alive for r in refs
                ):
                    continue
                if plural == "pods" and not meta.get("deletionTimestamp"):
                    self._delete_pod(obj)
                elif plural == "replicasets":
                    self.store.remove(plural, meta["namespace"], meta["name"])
