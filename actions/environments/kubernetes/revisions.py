"""A Deployment's history: which ReplicaSets are its own, which is the new one, which came before.

As kubectl does (`deploymentutil.GetAllReplicaSets`, `rollback.go::deploymentRevision`): the
ReplicaSets are those the Deployment controls; the previous revision is the second highest
`deployment.kubernetes.io/revision` among them.
"""

from __future__ import annotations

import copy

from actions.environments.kubernetes.objects import (
    HASH_LABEL,
    Obj,
    labels,
    matches_selector,
    meta,
    name,
    revision,
)


def owned_replicasets(deployment: Obj, replicasets: list[Obj]) -> list[Obj]:
    """The ReplicaSets whose controller is this Deployment, oldest revision first."""
    owned = []
    for rs in replicasets:
        refs = [r for r in meta(rs).get("ownerReferences") or [] if r.get("controller", True)]
        if any(r.get("kind") == "Deployment" and _refers_to(r, deployment) for r in refs):
            owned.append(rs)
    return sorted(owned, key=lambda rs: revision(rs) or 0)


def template_without_hash(template: Obj) -> Obj:
    """A pod template without the `pod-template-hash` label the ReplicaSet controller adds."""
    result = copy.deepcopy(template)
    template_labels = (result.get("metadata") or {}).get("labels")
    if template_labels:
        template_labels.pop(HASH_LABEL, None)
    return result


def same_template(a: Obj, b: Obj) -> bool:
    """Whether two pod templates are equal, ignoring the hash label (kubectl's equalIgnoreHash)."""
    return _normal(template_without_hash(a)) == _normal(template_without_hash(b))


def new_replicaset(deployment: Obj, owned: list[Obj]) -> Obj | None:
    """The ReplicaSet of the Deployment's current template (of its revision, if it says one)."""
    template = (deployment.get("spec") or {}).get("template") or {}
    matching = [rs for rs in owned if same_template(_template(rs), template)]
    if matching:
        return max(matching, key=lambda rs: revision(rs) or 0)
    current = revision(deployment)
    return next((rs for rs in owned if current is not None and revision(rs) == current), None)


def previous_replicaset(owned: list[Obj]) -> Obj | None:
    """The ReplicaSet with the second highest revision: what `kubectl rollout undo` goes back to."""
    numbered = sorted(
        (rs for rs in owned if revision(rs) is not None), key=lambda r: revision(r) or 0
    )
    return numbered[-2] if len(numbered) >= 2 else None


def pods_of(replicaset: Obj, pods: list[Obj]) -> list[Obj]:
    """The pods a ReplicaSet controls (by owner, else by its hash label and selector)."""
    rs_hash = labels(replicaset).get(HASH_LABEL)
    selector = (replicaset.get("spec") or {}).get("selector")
    found = []
    for pod in pods:
        refs = meta(pod).get("ownerReferences") or []
        if refs:
            if any(_refers_to(r, replicaset) for r in refs):
                found.append(pod)
        elif (
            labels(pod).get(HASH_LABEL) == rs_hash
            if rs_hash
            else matches_selector(selector, labels(pod))
        ):
            found.append(pod)
    return found


def _refers_to(ref: Obj, owner: Obj) -> bool:
    """Whether an owner reference names this object (by uid when both have one)."""
    uid = meta(owner).get("uid")
    return ref.get("uid") == uid if uid and ref.get("uid") else ref.get("name") == name(owner)


def _template(workload: Obj) -> Obj:
    return (workload.get("spec") or {}).get("template") or {}


def _normal(value: object) -> object:
    """Empty maps, lists and nulls are the same as absent fields (the API omits them)."""
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value
