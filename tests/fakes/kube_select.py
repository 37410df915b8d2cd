"""Label and field selectors, parsed and matched the way the API server does it.

Label selectors: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a` (exists), `!a`.
Field selectors: `path=value`, `path==value`, `path!=value`, only on the fields the real server
supports for that resource (anything else is a 400 `field label not supported`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.fakes.kube_errors import bad_request

Selector = Callable[[dict[str, Any]], bool]

_COMMON_FIELDS = {"metadata.name", "metadata.namespace"}
FIELDS: dict[str, set[str]] = {
    "pods": {
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "status.phase",
        "status.podIP",
        "status.nominatedNodeName",
    },
    "events": {
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    },
    "secrets": {"type"},
    "replicasets": {"status.replicas"},
    "namespaces": {"status.phase"},
}

_SET_RE = re.compile(r"^\s*([A-Za-z0-9./_-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQ_RE = re.compile(r"^\s*([A-Za-z0-9./_-]+)\s*(==|!=|=)\s*([A-Za-z0-9._-]*)\s*$")
_EXISTS_RE = re.compile(r"^\s*(!?)\s*([A-Za-z0-9./_-]+)\s*$")


def _split(selector: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    parts, depth, current = [], 0, ""
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p for p in parts if p.strip()]


Requirement = tuple[str, str, frozenset[str]]  # key, in|notin|exists|!exists, values


def _requirement(part: str) -> Requirement:
    if m := _SET_RE.match(part):
        return m[1], m[2], frozenset(v.strip() for v in m[3].split(",") if v.strip())
    if m := _EQ_RE.match(part):
        return m[1], "notin" if m[2] == "!=" else "in", frozenset({m[3]})
    if m := _EXISTS_RE.match(part):
        return m[2], "!exists" if m[1] else "exists", frozenset()
    raise bad_request(f"unable to parse requirement: {part.strip()!r}")


def _satisfied(labels: dict[str, str], requirement: Requirement) -> bool:
    key, op, values = requirement
    if op == "in":
        return labels.get(key) in values
    if op == "notin":  # as for real: `a!=b` also matches objects without the label
        return labels.get(key) not in values
    return (key in labels) == (op == "exists")


def label_selector(text: str | None) -> Selector:
    """A predicate on an object's `metadata.labels`; 400 on a malformed selector."""
    requirements = [_requirement(part) for part in _split(text or "")]

    def matches(obj: dict[str, Any]) -> bool:
        labels = obj.get("metadata", {}).get("labels") or {}
        return all(_satisfied(labels, r) for r in requirements)

    return matches


def field_value(obj: dict[str, Any], path: str) -> str:
    """The string form of a dotted field, as field selectors compare it ("" when absent)."""
    value: Any = obj
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    if key == "source" and isinstance(value, dict):  # events: `source` is the component
        value = value.get("component")
    return "" if value is None else str(value)


def field_selector(plural: str, text: str | None) -> Selector:
    """A predicate on supported fields; 400 for an unsupported field label."""
    terms: list[tuple[str, bool, str]] = []  # path, equal?, value
    allowed = _COMMON_FIELDS | FIELDS.get(plural, set())
    for part in _split(text or ""):
        m = re.match(r"^\s*([A-Za-z0-9./_-]+)\s*(==|!=|=)\s*(.*)$", part)
        if not m:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        if m[1] not in allowed:
            raise bad_request(f"field label not supported: {m[1]}")
        terms.append((m[1], m[2] != "!=", m[3].strip()))

    def matches(obj: dict[str, Any]) -> bool:
        return all((field_value(obj, path) == value) == equal for path, equal, value in terms)

    return matches


def selector_from_match_labels(selector: dict[str, Any] | None) -> Selector:
    """A predicate for a LabelSelector object (`matchLabels` and `matchExpressions`)."""
    selector = selector or {}
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for expr in selector.get("matchExpressions") or []:
        op, key, values = expr["operator"], expr["key"], expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(key)
        else:
            parts.append(f"!{key}")
    return label_selector(",".join(parts))


def selector_string(selector: dict[str, Any] | None) -> str:
    """`matchLabels` as the `a=b,c=d` string a Scale's `status.selector` carries."""
    return ",".join(
        f"{k}={v}" for k, v in sorted(((selector or {}).get("matchLabels") or {}).items())
    )
