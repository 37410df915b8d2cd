"""What the API server rejects with 422 Invalid (or 400) and a client could plausibly send."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from tests.fakes.kube_errors import bad_request, invalid
from tests.fakes.kube_objects import Resource

_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def validate(resource: Resource, obj: dict[str, Any], old: dict[str, Any] | None) -> None:
    """422 Invalid for what a real server rejects and a client could plausibly send."""
    kind, group, name = resource.kind, resource.group, obj["metadata"].get("name", "")
    if not _NAME.match(name) or len(name) > 253:
        raise invalid(
            kind,
            group,
            name,
            "metadata.name",
            f'Invalid value: "{name}": a lowercase '
            "RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character",
        )
    if resource.plural == "secrets":
        for key, value in (obj.get("data") or {}).items():
            try:
                base64.b64decode(str(value), validate=True)
            except (binascii.Error, ValueError):
                raise bad_request(
                    f'Secret in version "v1" cannot be handled as a Secret: '
                    f"illegal base64 data in data.{key}"
                ) from None
    if resource.plural not in ("deployments", "replicasets"):
        if resource.plural == "pods" and not (obj.get("spec") or {}).get("containers"):
            raise invalid(kind, group, name, "spec.containers", "Required value")
        return
    spec = obj["spec"]
    selector = spec.get("selector") or {}
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        raise invalid(kind, group, name, "spec.selector", "Required value")
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        raise invalid(
            kind,
            group,
            name,
            "spec.template.metadata.labels",
            f"Invalid value: {labels}: `selector` does not match template `labels`",
        )
    if old is not None and old["spec"].get("selector") != selector:
        raise invalid(
            kind, group, name, "spec.selector", f"Invalid value: {selector}: field is immutable"
        )
    containers = spec["template"]["spec"].get("containers") or []
    if not containers:
        raise invalid(kind, group, name, "spec.template.spec.containers", "Required value")
    for i, c in enumerate(containers):
        for field in ("name", "image"):
            if not c.get(field):
                raise invalid(
                    kind,
                    group,
                    name,
                    f"spec.template.spec.containers[{i}].{field}",
                    "Required value",
                )
    if int(spec.get("replicas", 1)) < 0:
        raise invalid(
            kind,
            group,
            name,
            "spec.replicas",
            f"Invalid value: {spec['replicas']}: must be greater than or equal to 0",
        )
