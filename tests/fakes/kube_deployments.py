"""The Deployment controller, after pkg/controller/deployment of Kubernetes.

The new ReplicaSet is the one whose template equals the Deployment's, ignoring
`pod-template-hash`; if none does, one named `<deployment>-<hash>` is created with revision
max+1; an old one found again gets a new revision (that is how `rollout undo` works).
RollingUpdate honours maxSurge/maxUnavailable and pod availability, Recreate scales old to zero
first, `paused` only scales, old empty ReplicaSets beyond `revisionHistoryLimit` are deleted.
"""

from __future__ import annotations

import copy

from tests.fakes.kube_deployment_status import (
    complete,
    condition,
    deployment_status,
    max_unavailable,
    set_condition,
    surge_unavailable,
)
from tests.fakes.kube_events import EventRecorder
from tests.fakes.kube_objects import (
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    REVISION,
    REVISION_HISTORY,
    TEMPLATE_HASH,
    count,
    owner_ref,
    pod_template_hash,
    revision,
    same_template,
)
from tests.fakes.kube_store import Obj, Store


class DeploymentController:
    """`sync(d)` moves one Deployment a step towards its spec and writes its status."""

    def __init__(self, store: Store, events: EventRecorder) -> None:
        self.store, self.events = store, events

    def sync(self, d: Obj) -> None:
        spec = d["spec"]
        status = copy.deepcopy(d.get("status") or {})
        rss = self.store.owned_by("replicasets", d)
        new_rs = next((rs for rs in rss if same_template(rs, d)), None)
        if not spec.get("paused"):
            if new_rs is None:
                new_rs = self.create_replicaset(d, spec["template"], _next_revision(rss))
                rss.append(new_rs)
                message = f'Created new replica set "{new_rs["metadata"]["name"]}"'
                set_condition(status, "Progressing", "True", "NewReplicaSetCreated", message)
            else:
                new_rs = self._renew_revision(new_rs, rss, status)
        if new_rs is not None:
            d["metadata"].setdefault("annotations", {})[REVISION] = revision(new_rs)
        olds = [
            rs for rs in rss if new_rs is None or rs["metadata"]["uid"] != new_rs["metadata"]["uid"]
        ]
        if new_rs is None:  # paused before its first rollout
            pass
        elif spec.get("paused"):  # only scaling, no rollout
            if not any(rs["spec"]["replicas"] for rs in olds):
                self._scale(new_rs, spec["replicas"], d)
        elif spec["strategy"].get("type") == "Recreate":
            self._recreate(d, new_rs, olds)
        else:
            self._rolling(d, new_rs, olds)
        rss = self.store.owned_by("replicasets", d)
        new_rs = next((rs for rs in rss if same_template(rs, d)), None)
        d["status"] = deployment_status(d, rss, new_rs, status)
        if complete(d, d["status"]) and not spec.get("paused"):
            self._cleanup(d, rss)
        self.store.save("deployments", d)

    def create_replicaset(self, d: Obj, template: Obj, rev: int, replicas: int = 0) -> Obj:
        """A ReplicaSet `<deployment>-<pod-template-hash>` owned by `d`, at revision `rev`."""
        template = copy.deepcopy(template)
        h = pod_template_hash(template, d.get("status", {}).get("collisionCount", 0))
        template.setdefault("metadata", {}).setdefault("labels", {})[TEMPLATE_HASH] = h
        selector = copy.deepcopy(d["spec"]["selector"])
        selector.setdefault("matchLabels", {})[TEMPLATE_HASH] = h
        surge, _ = surge_unavailable(d)
        meta, desired = d["metadata"], d["spec"]["replicas"]
        annotations = {
            DESIRED_REPLICAS: str(desired),
            MAX_REPLICAS: str(desired + surge),
            REVISION: str(rev),
        }
        return self.store.insert(
            "replicasets",
            {
                "metadata": {
                    "name": f"{meta['name']}-{h}",
                    "namespace": meta["namespace"],
                    "labels": dict(template["metadata"]["labels"]),
                    "annotations": annotations,
                    "ownerReferences": [owner_ref(d)],
                },
                "spec": {
                    "replicas": replicas,
                    "minReadySeconds": d["spec"].get("minReadySeconds", 0),
                    "selector": selector,
                    "template": template,
                },
                "status": {"replicas": 0},
            },
        )

    def _renew_revision(self, new_rs: Obj, rss: list[Obj], status: Obj) -> Obj:
        """An old ReplicaSet whose template came back becomes the newest revision (undo)."""
        others = [int(revision(rs)) for rs in rss if rs is not new_rs]
        if not others or int(revision(new_rs)) > max(others):
            return new_rs
        annotations = new_rs["metadata"].setdefault("annotations", {})
        history = [h for h in annotations.get(REVISION_HISTORY, "").split(",") if h]
        annotations[REVISION_HISTORY] = ",".join([*history, revision(new_rs)])
        annotations[REVISION] = str(max(others) + 1)
        if condition(status, "Progressing") is None:
            message = f'Found new replica set "{new_rs["metadata"]["name"]}"'
            set_condition(status, "Progressing", "True", "FoundNewReplicaSet", message)
        return self.store.save("replicasets", new_rs) or new_rs

    def _rolling(self, d: Obj, new_rs: Obj, olds: list[Obj]) -> None:
        """reconcileNewReplicaSet, then reconcileOldReplicaSets."""
        replicas, (surge, _) = d["spec"]["replicas"], surge_unavailable(d)
        current = new_rs["spec"]["replicas"]
        if current > replicas:
            new_rs = self._scale(new_rs, replicas, d)
        elif current < replicas:
            room = replicas + surge - current - sum(rs["spec"]["replicas"] for rs in olds)
            if room > 0:
                new_rs = self._scale(new_rs, current + min(room, replicas - current), d)
        old_total = sum(rs["spec"]["replicas"] for rs in olds)
        if old_total == 0:
            return
        min_available = replicas - max_unavailable(d)
        new_unavailable = new_rs["spec"]["replicas"] - count(new_rs, "availableReplicas")
        max_down = new_rs["spec"]["replicas"] + old_total - min_available - new_unavailable
        if max_down <= 0:
            return
        olds = sorted(olds, key=lambda rs: rs["metadata"]["creationTimestamp"])
        cleaned = 0
        for i, rs in enumerate(olds):  # first the old pods that are not available anyway
            unhealthy = rs["spec"]["replicas"] - count(rs, "availableReplicas")
            if cleaned >= max_down or rs["spec"]["replicas"] == 0 or unhealthy <= 0:
                continue
            down = min(max_down - cleaned, unhealthy)
            olds[i] = self._scale(rs, rs["spec"]["replicas"] - down, d)
            cleaned += down
        available = sum(count(rs, "availableReplicas") for rs in [new_rs, *olds])
        to_scale, scaled = available - min_available, 0
        for rs in olds:
            down = min(rs["spec"]["replicas"], to_scale - scaled)
            if down > 0:
                self._scale(rs, rs["spec"]["replicas"] - down, d)
                scaled += down

    def _recreate(self, d: Obj, new_rs: Obj, olds: list[Obj]) -> None:
        for rs in olds:
            if rs["spec"]["replicas"]:
                self._scale(rs, 0, d)
        if not any(self.store.owned_by("pods", rs) for rs in olds):
            self._scale(new_rs, d["spec"]["replicas"], d)

    def _scale(self, rs: Obj, replicas: int, d: Obj) -> Obj:
        old, (surge, _) = rs["spec"]["replicas"], surge_unavailable(d)
        annotations = rs["metadata"].setdefault("annotations", {})
        annotations[DESIRED_REPLICAS] = str(d["spec"]["replicas"])
        annotations[MAX_REPLICAS] = str(d["spec"]["replicas"] + surge)
        rs["spec"]["replicas"] = replicas
        saved = self.store.save("replicasets", rs) or rs
        if replicas != old:
            verb = "up" if replicas > old else "down"
            message = f"Scaled {verb} replica set {rs['metadata']['name']} to {replicas} from {old}"
            self.events.record(d, "Normal", "ScalingReplicaSet", message, "deployment-controller")
        return saved

    def _cleanup(self, d: Obj, rss: list[Obj]) -> None:
        """Delete old, empty ReplicaSets beyond `revisionHistoryLimit`, oldest revision first."""
        limit = d["spec"].get("revisionHistoryLimit", 10)
        empty = [
            rs
            for rs in rss
            if not same_template(rs, d)
            and rs["spec"]["replicas"] == 0
            and count(rs, "replicas") == 0
        ]
        empty.sort(key=lambda rs: int(revision(rs)))
        for rs in empty[: max(len(empty) - limit, 0)]:
            self.store.remove("replicasets", rs["metadata"]["namespace"], rs["metadata"]["name"])


def _next_revision(rss: list[Obj]) -> int:
    return max((int(revision(rs)) for rs in rss), default=0) + 1
