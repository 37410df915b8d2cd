"""Reading fields of Kubernetes objects held as plain dicts (the API's JSON, camelCase keys)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

Obj = dict[str, Any]
"""A Kubernetes object as the API sends it: `metadata`, `spec`, `status`."""

REVISION = "deployment.kubernetes.io/revision"
HASH_LABEL = "pod-template-hash"


def meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def name(obj: Obj) -> str:
    return str(meta(obj).get("name", ""))


def labels(obj: Obj) -> dict[str, str]:
    return dict(meta(obj).get("labels") or {})


def revision(obj: Obj) -> int | None:
    """The rollout revision a Deployment or ReplicaSet carries, if it has one."""
    value = (meta(obj).get("annotations") or {}).get(REVISION)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def parse_time(value: Any) -> datetime | None:
    """A timestamp of the API (RFC 3339, `Z` or offset) as an aware datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def event_time(event: Obj) -> datetime:
    """When an event last happened (oldest possible time when it does not say)."""
    for key in ("lastTimestamp", "eventTime", "firstTimestamp"):
        found = parse_time(event.get(key))
        if found:
            return found
    return parse_time(meta(event).get("creationTimestamp")) or datetime.min.replace(tzinfo=UTC)


def image_tag(image: str) -> str | None:
    """The version an image reference names: its digest, else its tag, else None."""
    if "@" in image:
        return image.split("@", 1)[1]
    last = image.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else None


def containers(pod_spec: Obj) -> list[Obj]:
    return list(pod_spec.get("containers") or [])


def template_containers(workload: Obj) -> list[Obj]:
    """The containers of a Deployment's or ReplicaSet's pod template."""
    return containers(((workload.get("spec") or {}).get("template") or {}).get("spec") or {})


def pick_container(workload: Obj, wanted: str | None, service: str) -> Obj | None:
    """The container to update: the configured one, else the one named like the service, else
    the first."""
    found = template_containers(workload)
    if wanted:
        return next((c for c in found if c.get("name") == wanted), None)
    return next((c for c in found if c.get("name") == service), found[0] if found else None)


def matches_selector(selector: Obj | None, obj_labels: dict[str, str]) -> bool:
    """Whether labels satisfy a label selector (matchLabels and matchExpressions)."""
    if not selector:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if obj_labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        present = key in obj_labels
        if (
            (op == "In" and obj_labels.get(key) not in values)
            or (op == "NotIn" and present and obj_labels.get(key) in values)
            or (op == "Exists" and not present)
            or (op == "DoesNotExist" and present)
        ):
            return False
    return True


def selector_string(selector: Obj | None) -> str:
    """The selector's matchLabels as a label-selector query (`a=b,c=d`)."""
    pairs = sorted((selector or {}).get("matchLabels", {}).items())
    return ",".join(f"{key}={value}" for key, value in pairs)
