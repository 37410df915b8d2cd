"""What the API server rejects with 422 Invalid (or 400) and a client could plausibly send."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from tests.fakes.kube_errors import bad_request, invalid
from tests.fakes.kube_objects import Resource

_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

# What Chaos Mesh's CRD schemas (config/crd/bases/chaos-mesh.org_*.yaml) require of a spec: its
# required fields (nested ones only when their parent is given) and its enums; nothing more.
_MODES = ("one", "all", "fixed", "fixed-percent", "random-max-percent")
_CUSTOM_REQUIRED: dict[str, dict[str, tuple[str, ...]]] = {
    "networkchaos": {
        "": ("action", "mode", "selector"),
        "delay": ("latency",),
        "loss": ("loss",),
        "bandwidth": ("rate", "limit", "buffer"),
    },
    "httpchaos": {"": ("mode", "selector", "target")},
}
_CUSTOM_ENUMS: dict[str, dict[str, tuple[str, ...]]] = {
    "networkchaos": {
        "mode": _MODES,
        "action": ("netem", "delay", "loss", "duplicate", "corrupt", "partition", "bandwidth"),
        "direction": ("to", "from", "both", ""),
    },
    "httpchaos": {"mode": _MODES, "target": ("Request", "Response")},
}


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
    if resource.crd:
        return _validate_custom(resource, obj)
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


def _validate_custom(resource: Resource, obj: dict[str, Any]) -> None:
    """A custom resource against its CRD's schema: required fields and enums."""
    kind, group, name = resource.kind, resource.group, obj["metadata"].get("name", "")
    spec = obj.get("spec") or {}
    for parent, keys in _CUSTOM_REQUIRED.get(resource.plural, {}).items():
        section = spec.get(parent) if parent else spec
        for key in keys if isinstance(section, dict) else ():
            if key not in section:
                path = f"spec.{parent}.{key}" if parent else f"spec.{key}"
                raise invalid(kind, group, name, path, "Required value")
    for key, allowed in _CUSTOM_ENUMS.get(resource.plural, {}).items():
        if key in spec and spec[key] not in allowed:
            supported = ", ".join(f'"{value}"' for value in allowed)
            message = f'Unsupported value: "{spec[key]}": supported values: {supported}'
            raise invalid(kind, group, name, f"spec.{key}", message)
