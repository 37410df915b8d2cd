"""The fake's etcd and watch cache: objects, one global resourceVersion, a bounded history.

Every change takes the next `resourceVersion` and lands in the history that watches replay; a
watch from a resourceVersion older than the history gets 410 Expired. These writes (`insert`,
`save`, `remove`) apply no API rules: the controllers, the kubelet and test seeding use them.
The API verbs with their validation live in kube_apiserver.
"""

from __future__ import annotations

import copy
import random
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from tests.fakes.kube_errors import expired
from tests.fakes.kube_objects import RESOURCES, Resource, apply_defaults, new_uid, rfc3339

Obj = dict[str, Any]


@dataclass(frozen=True)
class Change:
    """One committed change, as a watch replays it. `prev` is the object before a MODIFIED."""

    rv: int
    type: str
    plural: str
    namespace: str | None
    obj: Obj
    prev: Obj | None


class Store:
    """All objects of the fake cluster, behind one lock (`lock`; `changed` is its condition)."""

    def __init__(self, *, history: int = 500, rng: random.Random) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.rng = rng
        self._objects: dict[str, dict[tuple[str, str], Obj]] = {p: {} for p in RESOURCES}
        self._rv = 1000
        self._history: deque[Change] = deque(maxlen=history)
        self._compacted = self._rv

    @property
    def resource_version(self) -> int:
        return self._rv

    def find(self, plural: str, namespace: str | None, name: str) -> Obj | None:
        """A copy of the object, or None (cluster-scoped objects: namespace None)."""
        with self.lock:
            obj = self._objects[plural].get((namespace or "", name))
            return copy.deepcopy(obj) if obj is not None else None

    def objects(self, plural: str, namespace: str | None = None) -> list[Obj]:
        """Copies, in key order (namespace, name) as etcd lists them."""
        with self.lock:
            return [
                copy.deepcopy(o)
                for (ns, _), o in sorted(self._objects[plural].items())
                if namespace is None or ns == namespace
            ]

    def owned_by(self, plural: str, owner: Obj) -> list[Obj]:
        """Objects in the owner's namespace with an ownerReference to it."""
        uid, ns = owner["metadata"]["uid"], owner["metadata"]["namespace"]
        return [
            o
            for o in self.objects(plural, ns)
            if any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences") or [])
        ]

    def has_namespace(self, namespace: str) -> bool:
        return ("", namespace) in self._objects["namespaces"]

    def ensure_namespace(self, namespace: str) -> None:
        with self.lock:
            if not self.has_namespace(namespace):
                ns: Obj = {"metadata": {"name": namespace}}
                apply_defaults("namespaces", ns)
                self.insert("namespaces", ns)

    # writes ------------------------------------------------------------------------------------

    def insert(self, plural: str, obj: Obj) -> Obj:
        """Store a new object as is, stamping uid, creationTimestamp and resourceVersion."""
        r = RESOURCES[plural]
        with self.lock:
            obj = copy.deepcopy(obj)
            meta = obj.setdefault("metadata", {})
            if not r.namespaced:
                meta.pop("namespace", None)
            meta.setdefault("uid", new_uid())
            meta.setdefault("creationTimestamp", rfc3339())
            if r.generation:
                meta.setdefault("generation", 1)
            obj["kind"], obj["apiVersion"] = r.kind, r.api_version
            return self.commit("ADDED", r, obj, None)

    def save(self, plural: str, obj: Obj) -> Obj | None:
        """Write a changed object (None if it is gone); `generation` follows spec changes."""
        r = RESOURCES[plural]
        with self.lock:
            meta = obj["metadata"]
            old = self._objects[plural].get((meta.get("namespace", ""), meta["name"]))
            if old is None:
                return None
            new = copy.deepcopy(obj)
            new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
            if r.generation and new.get("spec") != old.get("spec"):
                new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
            if new == old:
                return copy.deepcopy(old)
            return self.commit("MODIFIED", r, new, old)

    def remove(self, plural: str, namespace: str | None, name: str) -> Obj | None:
        """Delete at once; the last state (with the deletion's resourceVersion) or None."""
        with self.lock:
            old = self._objects[plural].get((namespace or "", name))
            if old is None:
                return None
            return self.commit("DELETED", RESOURCES[plural], copy.deepcopy(old), None)

    def commit(self, type_: str, r: Resource, obj: Obj, prev: Obj | None) -> Obj:
        """Take the next resourceVersion, store, record in the history, wake the watchers."""
        with self.lock:
            self._rv += 1
            meta = obj["metadata"]
            meta["resourceVersion"] = str(self._rv)
            key = (meta.get("namespace", ""), meta["name"])
            if type_ == "DELETED":
                self._objects[r.plural].pop(key, None)
            else:
                self._objects[r.plural][key] = obj
            if self._history.maxlen and len(self._history) == self._history.maxlen:
                self._compacted = self._history[0].rv
            self._history.append(
                Change(
                    self._rv,
                    type_,
                    r.plural,
                    meta.get("namespace"),
                    copy.deepcopy(obj),
                    copy.deepcopy(prev),
                )
            )
            self.changed.notify_all()
            return copy.deepcopy(obj)

    # watch support -----------------------------------------------------------------------------

    def changes_after(self, rv: int) -> list[Change]:
        """Changes with a resourceVersion above `rv`; 410 Expired if history no longer has them."""
        with self.lock:
            if rv < self._compacted:
                raise expired(rv, self._compacted + 1)
            return [c for c in self._history if c.rv > rv]

    def compact(self) -> None:
        """Forget the history, like an etcd compaction: older resourceVersions now get 410."""
        with self.lock:
            self._history.clear()
            self._compacted = self._rv
