"""Rolling a Deployment back as `kubectl rollout undo` does: choose the revision, build the patch.

The patch is kubectl's (`rollback.go::getDeploymentPatch`): a JSON patch that replaces
`spec.template` with the previous ReplicaSet's template (without its `pod-template-hash` label)
and `metadata.annotations` with the Deployment's own bookkeeping annotations plus the ReplicaSet's.
Only the services the last deploy changed are rolled back (preprod marks the Deployments it
changes), so a deploy that failed midway is undone without touching the services it never reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actions.environments.kubernetes.objects import REVISION, Obj, meta, name, revision
from actions.environments.kubernetes.revisions import (
    owned_replicasets,
    previous_replicaset,
    same_template,
    template_without_hash,
)

MARK = "preprod.dev/deploy"
"""Set on each Deployment preprod changes, one value per deploy or rollback (sortable by time)."""

# Kept from the Deployment, never copied from the ReplicaSet (kubectl's annotationsToSkip).
DEPLOYMENT_ONLY_ANNOTATIONS = frozenset(
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        REVISION,
        "deployment.kubernetes.io/revision-history",
        "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas",
        "deprecated.deployment.rollback.to",
    }
)


@dataclass(frozen=True)
class RollbackPlan:
    """What a rollback of one Deployment will do: the target revision and the patch, or why not."""

    target: Obj | None
    patch: list[dict[str, Any]]
    skipped: str = ""  # set when there is nothing to patch; says why


def plan_rollback(deployment: Obj, replicasets: list[Obj]) -> RollbackPlan:
    """The patch that restores the Deployment's previous revision; an empty plan saying why when
    there is none or the current template already is that revision."""
    dep_name = name(deployment)
    if (deployment.get("spec") or {}).get("paused"):
        return RollbackPlan(None, [], f"deployment {dep_name} is paused; resume it first")
    target = previous_replicaset(owned_replicasets(deployment, replicasets))
    if target is None:
        return RollbackPlan(None, [], f"deployment {dep_name} has no previous revision")
    template = (target.get("spec") or {}).get("template") or {}
    current = (deployment.get("spec") or {}).get("template") or {}
    if same_template(template, current):
        return RollbackPlan(
            target, [], f"deployment {dep_name} already runs revision {revision(target)}"
        )
    annotations = {
        key: value
        for key, value in (meta(deployment).get("annotations") or {}).items()
        if key in DEPLOYMENT_ONLY_ANNOTATIONS
    }
    for key, value in (meta(target).get("annotations") or {}).items():
        if key not in DEPLOYMENT_ONLY_ANNOTATIONS:
            annotations[key] = value
    patch: list[dict[str, Any]] = [
        {"op": "replace", "path": "/spec/template", "value": template_without_hash(template)},
        # `add` replaces an existing member (RFC 6902) and also works where there is none
        {
            "op": "replace" if meta(deployment).get("annotations") is not None else "add",
            "path": "/metadata/annotations",
            "value": annotations,
        },
    ]
    return RollbackPlan(target, patch)


def last_changed(deployments: dict[str, Obj]) -> set[str] | None:
    """The services the last deploy or rollback by preprod changed (they carry its mark), or
    None when preprod never marked any: then every service is in scope, as with kubectl."""
    marks = {
        service: (meta(d).get("annotations") or {}).get(MARK) for service, d in deployments.items()
    }
    latest = max((m for m in marks.values() if m), default=None)
    if latest is None:
        return None
    return {service for service, mark in marks.items() if mark == latest}


def mark_patch(mark: str) -> dict[str, Any]:
    """A JSON patch operation that sets preprod's mark on a Deployment (after the annotations)."""
    return {"op": "add", "path": "/metadata/annotations/" + MARK.replace("/", "~1"), "value": mark}
