"""The API verbs with the real server's rules, on top of the store.

404 for unknown objects and namespaces, 409 AlreadyExists on create, 409 Conflict on a stale
`metadata.resourceVersion` (replace, patch, delete preconditions), 422 for invalid objects;
defaults applied, `null`s dropped, server-owned metadata kept, `generation` bumped on spec
changes, status only through the `status` subresource, graceful pod deletion, `Orphan`
propagation. Namespaces are created on demand only with `auto_namespaces`.
"""

from __future__ import annotations

import copy
import itertools
from datetime import timedelta
from typing import Any

from tests.fakes.kube_errors import (
    KubeError,
    already_exists,
    bad_request,
    conflict,
    invalid,
    not_found,
)
from tests.fakes.kube_objects import (
    RESOURCES,
    Resource,
    apply_defaults,
    now,
    random_suffix,
    rfc3339,
)
from tests.fakes.kube_patch import apply_patch
from tests.fakes.kube_select import Selector
from tests.fakes.kube_store import Obj, Store
from tests.fakes.kube_validation import validate

_SERVER_OWNED = (
    "uid",
    "creationTimestamp",
    "namespace",
    "name",
    "generation",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
)


def without_nulls(value: Any) -> Any:
    """JSON as a Go server keeps it: a `null` field decodes to the zero value and is omitted."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


class ApiServer:
    """read, list, create, update, patch, delete: what the HTTP layer calls."""

    def __init__(self, store: Store, *, auto_namespaces: bool = False) -> None:
        self.store, self.auto_namespaces = store, auto_namespaces
        self.crd_groups: set[str] = set()  # groups of custom resources installed (served)
        self._ips = itertools.count(10)

    def read(self, plural: str, namespace: str | None, name: str) -> Obj:
        r = RESOURCES[plural]
        with self.store.lock:
            if r.namespaced:
                self._require_namespace(namespace or "", create=False)
            obj = self.store.find(plural, namespace, name)
            if obj is None:
                raise not_found(plural, r.group, name)
            return obj

    def list(
        self, plural: str, namespace: str | None, selectors: list[Selector]
    ) -> tuple[list[Obj], str]:
        with self.store.lock:
            objects = self.store.objects(plural, namespace)
            items = [o for o in objects if all(s(o) for s in selectors)]
            return items, str(self.store.resource_version)

    def create(self, plural: str, namespace: str | None, body: Obj) -> Obj:
        r = RESOURCES[plural]
        with self.store.lock:
            obj = without_nulls(body)
            meta = obj.setdefault("metadata", {})
            ns = self._namespace_of(r, namespace, meta)
            if r.namespaced:
                self._require_namespace(ns, create=self.auto_namespaces)
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = meta["generateName"] + random_suffix(self.store.rng)
            if not meta.get("name"):
                message = "Required value: name or generateName is required"
                raise invalid(r.kind, r.group, "", "metadata.name", message)
            if self.store.find(plural, ns, meta["name"]) is not None:
                raise already_exists(plural, r.group, meta["name"])
            for key in ("uid", "resourceVersion", "deletionTimestamp", "generation"):
                meta.pop(key, None)
            if r.status_subresource:
                obj.pop("status", None)
            apply_defaults(plural, obj)
            if r.status_subresource:  # Go marshals the empty status struct as {}
                obj.setdefault("status", {})
            if plural == "services":
                self._allocate_cluster_ip(obj)
            validate(r, obj, None)
            return self.store.insert(plural, obj)

    def update(
        self, plural: str, namespace: str | None, name: str, body: Obj, sub: str | None = None
    ) -> Obj:
        r = RESOURCES[plural]
        with self.store.lock:
            old = self.read(plural, namespace, name)
            meta = body.get("metadata") or {}
            if meta.get("name", name) != name:
                raise bad_request(
                    f"the name of the object ({meta['name']}) does not match the name on the "
                    f"URL ({name})"
                )
            if meta.get("resourceVersion") not in (None, "", old["metadata"]["resourceVersion"]):
                raise conflict(plural, r.group, name)
            return self._update(r, old, copy.deepcopy(body), sub)

    def patch(
        self,
        plural: str,
        namespace: str | None,
        name: str,
        body: Any,
        content_type: str,
        sub: str | None = None,
    ) -> Obj:
        r = RESOURCES[plural]
        with self.store.lock:
            old = self.read(plural, namespace, name)
            patched = apply_patch(old, body, content_type)
            if not isinstance(patched, dict):
                raise KubeError(422, "Invalid", "the patched object is not a JSON object")
            rv = (patched.get("metadata") or {}).get("resourceVersion")
            if rv != old["metadata"]["resourceVersion"]:
                raise conflict(plural, r.group, name)
            return self._update(r, old, patched, sub)

    def delete(
        self, plural: str, namespace: str | None, name: str, options: Obj | None = None
    ) -> Obj:
        """The deleted object (services, and pods marked for graceful deletion) or a Status."""
        r, options = RESOURCES[plural], options or {}
        with self.store.lock:
            old = self.read(plural, namespace, name)
            pre = options.get("preconditions") or {}
            meta = old["metadata"]
            if pre.get("uid") not in (None, meta["uid"]) or pre.get("resourceVersion") not in (
                None,
                meta["resourceVersion"],
            ):
                raise conflict(plural, r.group, name)
            grace = options.get("gracePeriodSeconds")
            if plural == "pods" and grace != 0:
                if meta.get("deletionTimestamp"):
                    return old
                if grace is None:
                    grace = old["spec"].get("terminationGracePeriodSeconds", 30)
                new = copy.deepcopy(old)
                new["metadata"]["deletionTimestamp"] = rfc3339(now() + timedelta(seconds=grace))
                new["metadata"]["deletionGracePeriodSeconds"] = grace
                return self.store.commit("MODIFIED", r, new, old)
            if options.get("propagationPolicy") == "Orphan":
                self._orphan(meta["uid"])
            if plural == "namespaces":
                for p in (p for p, res in RESOURCES.items() if res.namespaced):
                    for obj in self.store.objects(p, name):
                        self.store.remove(p, name, obj["metadata"]["name"])
            gone = self.store.remove(plural, namespace, name)
            if plural == "services" and gone is not None:  # ReturnDeletedObject, as for real
                return gone
            details = {"name": name, "group": r.group, "kind": plural, "uid": meta["uid"]}
            return {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Success",
                "details": details,
            }

    # helpers -----------------------------------------------------------------------------------

    def _update(self, r: Resource, old: Obj, new: Obj, sub: str | None) -> Obj:
        if sub == "status":
            merged = copy.deepcopy(old)
            merged["status"] = without_nulls(new.get("status") or {})
            new = merged
        else:
            new = without_nulls(new)
            meta = new.setdefault("metadata", {})
            for key in _SERVER_OWNED:
                if key in old["metadata"]:
                    meta[key] = old["metadata"][key]
                else:
                    meta.pop(key, None)
            if r.status_subresource:
                new["status"] = copy.deepcopy(old.get("status"))
            if r.plural == "services":
                for key in ("clusterIP", "clusterIPs"):
                    new.setdefault("spec", {}).setdefault(key, old["spec"].get(key))
            apply_defaults(r.plural, new)
            validate(r, new, old)
            if r.generation and new.get("spec") != old.get("spec"):
                meta["generation"] = old["metadata"].get("generation", 1) + 1
        new["kind"], new["apiVersion"] = r.kind, r.api_version
        new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        if new == old:
            return old
        return self.store.commit("MODIFIED", r, new, old)

    def _namespace_of(self, r: Resource, namespace: str | None, meta: Obj) -> str:
        if not r.namespaced:
            return ""
        if meta.get("namespace") and meta["namespace"] != namespace:
            raise bad_request(
                "the namespace of the provided object does not match the namespace sent on the "
                "request"
            )
        meta["namespace"] = namespace
        return namespace or ""

    def _require_namespace(self, namespace: str, *, create: bool) -> None:
        if self.store.has_namespace(namespace):
            return
        if not create:
            raise not_found("namespaces", "", namespace)
        self.store.ensure_namespace(namespace)

    def _allocate_cluster_ip(self, svc: Obj) -> None:
        spec = svc["spec"]
        if spec.get("clusterIP") != "None" and spec["type"] != "ExternalName":
            n = next(self._ips)
            spec.setdefault("clusterIP", f"10.96.{n // 256}.{n % 256}")
            spec.setdefault("clusterIPs", [spec["clusterIP"]])

    def _orphan(self, owner_uid: str) -> None:
        for plural in ("replicasets", "pods"):
            for obj in self.store.objects(plural):
                refs = obj["metadata"].get("ownerReferences") or []
                kept = [ref for ref in refs if ref.get("uid") != owner_uid]
                if len(kept) != len(refs):
                    obj["metadata"]["ownerReferences"] = kept
                    self.store.save(plural, obj)
