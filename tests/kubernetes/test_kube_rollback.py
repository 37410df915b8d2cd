"""Choosing the revision to roll back to and the patch, as `kubectl rollout undo` does."""

from __future__ import annotations

from typing import Any

from actions.environments.kubernetes.revisions import (
    new_replicaset,
    owned_replicasets,
    pods_of,
    previous_replicaset,
)
from actions.environments.kubernetes.rollback import plan_rollback

DEPLOYMENT_UID = "dep-uid"


def template(image: str, hash_: str | None = None) -> dict[str, Any]:
    labels = {"app": "catalog", **({"pod-template-hash": hash_} if hash_ else {})}
    return {
        "metadata": {"labels": labels},
        "spec": {"containers": [{"name": "catalog", "image": image}]},
    }


def replicaset(revision: int, image: str, owner: str = DEPLOYMENT_UID, **annotations: str):
    hash_ = f"h{revision}"
    return {
        "metadata": {
            "name": f"catalog-{hash_}",
            "uid": f"rs-{revision}",
            "labels": {"app": "catalog", "pod-template-hash": hash_},
            "annotations": {"deployment.kubernetes.io/revision": str(revision), **annotations},
            "ownerReferences": [
                {"kind": "Deployment", "name": "catalog", "uid": owner, "controller": True}
            ],
        },
        "spec": {
            "selector": {"matchLabels": {"app": "catalog", "pod-template-hash": hash_}},
            "template": template(image, hash_),
        },
    }


def deployment(image: str, revision: int, paused: bool = False) -> dict[str, Any]:
    return {
        "metadata": {
            "name": "catalog",
            "uid": DEPLOYMENT_UID,
            "annotations": {
                "deployment.kubernetes.io/revision": str(revision),
                "kubectl.kubernetes.io/last-applied-configuration": "{}",
            },
        },
        "spec": {
            "paused": paused,
            "selector": {"matchLabels": {"app": "catalog"}},
            "template": template(image),
        },
    }


HISTORY = [
    replicaset(1, "registry.example/shop/catalog:1.0"),
    replicaset(3, "registry.example/shop/catalog:1.2"),
    replicaset(2, "registry.example/shop/catalog:1.1", **{"team": "catalog"}),
    replicaset(4, "registry.example/other:9", owner="someone-else"),
]


def test_previous_revision_is_the_second_highest_of_the_deployments_own_replicasets() -> None:
    owned = owned_replicasets(deployment("registry.example/shop/catalog:1.2", 3), HISTORY)
    assert [rs["metadata"]["name"] for rs in owned] == ["catalog-h1", "catalog-h2", "catalog-h3"]
    assert previous_replicaset(owned)["metadata"]["name"] == "catalog-h2"


def test_new_replicaset_is_the_one_with_the_current_template() -> None:
    dep = deployment("registry.example/shop/catalog:1.1", 2)
    assert new_replicaset(dep, owned_replicasets(dep, HISTORY))["metadata"]["name"] == "catalog-h2"


def test_rollback_patch_replaces_the_template_without_the_hash_label() -> None:
    plan = plan_rollback(deployment("registry.example/shop/catalog:1.2", 3), HISTORY)
    assert plan.target is not None and plan.target["metadata"]["name"] == "catalog-h2"
    ops = {op["path"]: op for op in plan.patch}
    restored = ops["/spec/template"]["value"]
    assert ops["/spec/template"]["op"] == "replace"
    assert restored["spec"]["containers"][0]["image"] == "registry.example/shop/catalog:1.1"
    assert "pod-template-hash" not in restored["metadata"]["labels"]


def test_rollback_keeps_the_deployments_bookkeeping_and_takes_the_replicasets_annotations() -> None:
    plan = plan_rollback(deployment("registry.example/shop/catalog:1.2", 3), HISTORY)
    annotations = next(op for op in plan.patch if op["path"] == "/metadata/annotations")["value"]
    assert annotations == {
        "deployment.kubernetes.io/revision": "3",
        "kubectl.kubernetes.io/last-applied-configuration": "{}",
        "team": "catalog",
    }


def test_no_previous_revision_means_no_patch_and_says_so() -> None:
    plan = plan_rollback(deployment("registry.example/shop/catalog:1.0", 1), HISTORY[:1])
    assert plan.target is None and plan.patch == []
    assert plan.skipped == "deployment catalog has no previous revision"


def test_a_paused_deployment_is_not_rolled_back() -> None:
    plan = plan_rollback(deployment("registry.example/shop/catalog:1.2", 3, paused=True), HISTORY)
    assert plan.patch == [] and "paused" in plan.skipped


def test_rollback_is_skipped_when_the_template_already_is_the_previous_revision() -> None:
    plan = plan_rollback(deployment("registry.example/shop/catalog:1.1", 3), HISTORY)
    assert plan.patch == [] and "already runs revision 2" in plan.skipped


def test_pods_belong_to_the_replicaset_that_owns_them() -> None:
    def pod(name: str, owner_uid: str) -> dict[str, Any]:
        refs = [{"kind": "ReplicaSet", "name": "x", "uid": owner_uid, "controller": True}]
        return {"metadata": {"name": name, "ownerReferences": refs}}

    pods = [pod("a", "rs-2"), pod("b", "rs-3"), pod("c", "rs-2")]
    assert [p["metadata"]["name"] for p in pods_of(HISTORY[2], pods)] == ["a", "c"]
