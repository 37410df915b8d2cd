"""Discovery documents (`/version`, `/api`, `/apis`, `/api/v1`, `/apis/<g>/<v>`) and Scale."""

from __future__ import annotations

from collections.abc import Collection

from tests.fakes.kube_objects import RESOURCES, Resource
from tests.fakes.kube_select import selector_string
from tests.fakes.kube_store import Obj

VERSION = {
    "major": "1",
    "minor": "33",
    "gitVersion": "v1.33.0-fake",
    "gitCommit": "0" * 40,
    "gitTreeState": "clean",
    "buildDate": "2025-04-23T00:00:00Z",
    "goVersion": "go1.24.2",
    "compiler": "gc",
    "platform": "linux/amd64",
}
_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


def discovery(path: str, address: str, crd_groups: Collection[str] = ()) -> Obj | None:
    """The discovery document at `path`, or None if it is not a discovery path (custom
    resources only once their group is in `crd_groups`)."""
    if path == "/api":
        cidrs = [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}]
        return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": cidrs}
    served = [r for r in RESOURCES.values() if r.served(crd_groups)]
    groups = sorted({(r.group, r.version) for r in served if r.group})
    if path == "/apis":
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [
                {
                    "name": group,
                    "versions": [{"groupVersion": f"{group}/{version}", "version": version}],
                    "preferredVersion": {"groupVersion": f"{group}/{version}", "version": version},
                }
                for group, version in groups
            ],
        }
    for group, version in [("", "v1"), *groups]:
        if path == (f"/apis/{group}/{version}" if group else "/api/v1"):
            return _resource_list(group, version, served)
    return None


def scale_of(obj: Obj) -> Obj:
    """The `autoscaling/v1` Scale of a Deployment or ReplicaSet."""
    meta = obj["metadata"]
    keys = ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {k: meta[k] for k in keys},
        "spec": {"replicas": obj["spec"].get("replicas", 0)},
        "status": {
            "replicas": (obj.get("status") or {}).get("replicas", 0),
            "selector": selector_string(obj["spec"].get("selector")),
        },
    }


def _resource_list(group: str, version: str, served: list[Resource]) -> Obj:
    resources: list[Obj] = []
    for r in served:
        if (r.group, r.version) == (group, version):
            resources += _entries(r)
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }


def _entries(r: Resource) -> list[Obj]:
    entries = [
        {
            "name": r.plural,
            "singularName": r.kind.lower(),
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": _VERBS,
            "shortNames": list(r.short_names),
        }
    ]
    if r.status_subresource:
        status_verbs = ["get", "patch", "update"]
        entries.append(
            {
                "name": f"{r.plural}/status",
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": status_verbs,
            }
        )
    if r.plural in ("deployments", "replicasets"):
        entries.append(
            {
                "name": f"{r.plural}/scale",
                "singularName": "",
                "namespaced": True,
                "group": "autoscaling",
                "version": "v1",
                "kind": "Scale",
                "verbs": ["get", "patch", "update"],
            }
        )
    if r.plural == "pods":
        entries.append(
            {
                "name": "pods/log",
                "singularName": "",
                "namespaced": True,
                "kind": "Pod",
                "verbs": ["get"],
            }
        )
    return entries
