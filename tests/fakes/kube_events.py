"""Events as client-go's recorder writes them: a repeat bumps `count` and `lastTimestamp`."""

from __future__ import annotations

import time

from tests.fakes.kube_objects import NODE, rfc3339
from tests.fakes.kube_store import Obj, Store


class EventRecorder:
    """`record(pod, "Warning", "BackOff", "...", "kubelet")` writes or updates a core/v1 Event."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._names: dict[tuple[str | None, ...], str] = {}

    def record(
        self,
        involved: Obj,
        type_: str,
        reason: str,
        message: str,
        component: str,
        field_path: str | None = None,
    ) -> Obj:
        meta = involved["metadata"]
        namespace = meta.get("namespace") or "default"
        ref = {
            "kind": involved["kind"],
            "namespace": meta.get("namespace"),
            "name": meta["name"],
            "uid": meta["uid"],
            "apiVersion": involved["apiVersion"],
            "resourceVersion": meta.get("resourceVersion"),
        }
        if field_path:
            ref["fieldPath"] = field_path
        key = (meta["uid"], field_path, type_, reason, message, component)
        with self.store.lock:
            stamp = rfc3339()
            name = self._names.get(key)
            existing = self.store.find("events", namespace, name) if name else None
            if existing is not None:
                existing["count"] = existing.get("count", 1) + 1
                existing["lastTimestamp"] = stamp
                return self.store.save("events", existing) or existing
            name = f"{meta['name']}.{time.time_ns():x}"
            self._names[key] = name
            host = NODE if component == "kubelet" else ""
            return self.store.insert(
                "events",
                {
                    "metadata": {"name": name, "namespace": namespace},
                    "involvedObject": ref,
                    "reason": reason,
                    "message": message,
                    "source": {"component": component, **({"host": host} if host else {})},
                    "firstTimestamp": stamp,
                    "lastTimestamp": stamp,
                    "count": 1,
                    "type": type_,
                    "eventTime": None,
                    "reportingComponent": component,
                    "reportingInstance": host,
                },
            )
