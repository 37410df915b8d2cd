"""Watch streams: `?watch=true` on a list path, as the API server's watch cache serves them.

Without a resourceVersion (or "0") the stream starts with ADDED for every matching object;
with one, it replays the history after it, or sends one ERROR event (a 410 Expired Status)
if that history is gone. Objects entering or leaving the selectors arrive as ADDED/DELETED.
`allowWatchBookmarks=true` adds BOOKMARKs; `timeoutSeconds` ends the stream.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

from tests.fakes.kube_errors import KubeError, bad_request
from tests.fakes.kube_objects import Resource
from tests.fakes.kube_select import Selector
from tests.fakes.kube_store import Change, Obj, Store


def check_watch(query: dict[str, str]) -> None:
    """400 before the stream starts, as the server validates the request first."""
    rv = query.get("resourceVersion", "")
    if rv not in ("", "0") and not rv.isdigit():
        raise bad_request(f"invalid resource version: {rv}")


def stream(
    write: Callable[[bytes], None],
    store: Store,
    r: Resource,
    namespace: str | None,
    selectors: list[Selector],
    query: dict[str, str],
    *,
    stopping: threading.Event,
    bookmark_interval: float,
) -> None:
    """Write watch events (one JSON object a line) until timeout, error or the fake stops."""
    deadline = time.monotonic() + float(query.get("timeoutSeconds") or 1800)
    bookmarks = query.get("allowWatchBookmarks") in ("true", "1")
    next_bookmark = time.monotonic() + bookmark_interval
    rv = query.get("resourceVersion", "")
    events: list[Obj] = []
    with store.lock:
        cursor = store.resource_version
        if rv in ("", "0"):
            objects = store.objects(r.plural, namespace)
            events = [{"type": "ADDED", "object": o} for o in objects if _matches(o, selectors)]
        else:
            cursor = int(rv)
    while True:
        for event in events:
            write(json.dumps(event).encode() + b"\n")
        if any(e["type"] == "ERROR" for e in events):
            return
        if bookmarks and time.monotonic() >= next_bookmark:
            meta = {"resourceVersion": str(cursor)}
            bookmark = {"kind": r.kind, "apiVersion": r.api_version, "metadata": meta}
            write(json.dumps({"type": "BOOKMARK", "object": bookmark}).encode() + b"\n")
            next_bookmark = time.monotonic() + bookmark_interval
        if stopping.is_set() or time.monotonic() >= deadline:
            return
        with store.lock:
            if store.resource_version <= cursor:
                wake = min(deadline, next_bookmark if bookmarks else deadline)
                store.changed.wait(max(min(wake - time.monotonic(), 1.0), 0.0))
            try:
                changes = store.changes_after(cursor)
            except KubeError as e:  # fell out of the history: 410 Expired
                events = [{"type": "ERROR", "object": e.status()}]
                continue
            cursor = max(cursor, store.resource_version)
        events = [ev for c in changes if (ev := event_for(c, r, namespace, selectors))]


def event_for(
    change: Change, r: Resource, namespace: str | None, selectors: list[Selector]
) -> Obj | None:
    """How a watcher with these selectors sees a change (entering/leaving the selection too)."""
    if change.plural != r.plural or (namespace is not None and change.namespace != namespace):
        return None
    now = _matches(change.obj, selectors)
    before = change.prev is not None and _matches(change.prev, selectors)
    if change.type != "MODIFIED":
        return {"type": change.type, "object": change.obj} if now else None
    if now:
        return {"type": "MODIFIED" if before else "ADDED", "object": change.obj}
    if before and change.prev is not None:  # the previous state, at the change's version
        meta = {**change.prev["metadata"], "resourceVersion": str(change.rv)}
        return {"type": "DELETED", "object": {**change.prev, "metadata": meta}}
    return None


def _matches(obj: Obj, selectors: list[Selector]) -> bool:
    return all(s(obj) for s in selectors)
