"""A canary beside the baseline: `<deployment>-canary`, a copy of the baseline with the candidate.

The canary's selector and pod labels add `preprod.dev/track: canary`, so it is distinct from the
baseline's and the baseline never owns a canary pod; the baseline itself is never changed. Only
Deployments that carry the canary labels and are named after a baseline are canaries: nothing
else is ever deleted.
"""

from __future__ import annotations

import copy

from actions.environments.kubernetes.objects import Obj, labels, meta, name

TRACK = "preprod.dev/track"
BASELINE = "preprod.dev/baseline"
SUFFIX = "-canary"
# Bookkeeping of the baseline that must not be copied onto a new object.
_DROP_META = frozenset(
    {"resourceVersion", "uid", "creationTimestamp", "generation", "managedFields"}
    | {"ownerReferences", "selfLink", "deletionTimestamp", "finalizers"}
)


def canary_name(deployment: str) -> str:
    return f"{deployment}{SUFFIX}"


def canary_body(baseline: Obj, container: str, image: str, replicas: int) -> Obj:
    """The canary Deployment to create: the baseline's spec with the candidate image."""
    spec = copy.deepcopy(baseline.get("spec") or {})
    spec["replicas"] = replicas
    spec.pop("paused", None)
    selector = spec.setdefault("selector", {})
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), TRACK: "canary"}
    template = spec.setdefault("template", {})
    template_meta = template.setdefault("metadata", {})
    template_meta["labels"] = {**(template_meta.get("labels") or {}), TRACK: "canary"}
    for c in (template.get("spec") or {}).get("containers") or []:
        if c.get("name") == container:
            c["image"] = image
    metadata = {k: v for k, v in copy.deepcopy(meta(baseline)).items() if k not in _DROP_META}
    metadata["name"] = canary_name(name(baseline))
    metadata["labels"] = {**labels(baseline), TRACK: "canary", BASELINE: name(baseline)}
    metadata["annotations"] = {
        k: v
        for k, v in (metadata.get("annotations") or {}).items()
        if not k.startswith("deployment.kubernetes.io/") and not k.startswith("kubectl.kubernetes")
    }
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata, "spec": spec}


def canary_patch(container: str, image: str, replicas: int) -> Obj:
    """A strategic merge patch that moves an existing canary to another candidate image."""
    return {
        "spec": {
            "replicas": replicas,
            "template": {"spec": {"containers": [{"name": container, "image": image}]}},
        }
    }


def is_canary_of(deployment: Obj, baseline: str) -> bool:
    """Whether a Deployment is the canary preprod made for `baseline` (and so may be deleted)."""
    found = labels(deployment)
    return (
        name(deployment) == canary_name(baseline)
        and found.get(TRACK) == "canary"
        and found.get(BASELINE) == baseline
    )
