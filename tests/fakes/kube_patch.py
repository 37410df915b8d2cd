"""The three PATCH flavours of the API server: strategic merge, JSON merge (RFC 7386), JSON patch.

The official Python client sends `application/strategic-merge-patch+json` for a dict body and
`application/json-patch+json` for a list body (kubernetes/client/rest.py); merge patch needs
`_content_type="application/merge-patch+json"`.

Strategic merge uses the merge keys of the built-in types: lists of containers, env, volumes,
imagePullSecrets merge by `name`, container ports by `containerPort`, Service ports by `port`,
volumeMounts by `mountPath`, conditions by `type`, ownerReferences by `uid`; `finalizers` merge
as a set; every other list is replaced. Directives `$patch: replace|delete`, `$retainKeys`,
`$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>` are honoured.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.fakes.kube_errors import KubeError, bad_request, unsupported_media_type

STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"

_BY_NAME = {"containers", "initContainers", "ephemeralContainers", "env", "volumes"}
_BY_NAME |= {"imagePullSecrets", "resourceClaims"}
_PRIMITIVE_SETS = {"finalizers"}


def merge_key(path: tuple[str, ...], field: str) -> str | None:
    """The patchMergeKey of a list field, given the path of the map that holds it."""
    if field in _BY_NAME:
        return "name"
    if field == "ports":
        in_container = any(
            p in ("containers", "initContainers", "ephemeralContainers") for p in path
        )
        return "containerPort" if in_container else "port"
    return {
        "volumeMounts": "mountPath",
        "volumeDevices": "devicePath",
        "conditions": "type",
        "ownerReferences": "uid",
        "hostAliases": "ip",
    }.get(field)


def apply_patch(original: dict[str, Any], patch: Any, content_type: str) -> dict[str, Any]:
    """The patched object; 400/415/422 KubeErrors for bad patches."""
    media = content_type.split(";")[0].strip().lower()
    if media == STRATEGIC:
        if not isinstance(patch, dict):
            raise bad_request("strategic merge patch body must be a JSON object")
        return strategic_merge(original, patch)
    if media == MERGE:
        if not isinstance(patch, dict):
            raise bad_request("merge patch body must be a JSON object")
        return merge_patch(original, patch)
    if media == JSON_PATCH:
        if not isinstance(patch, list):
            raise bad_request("json patch body must be a JSON array of operations")
        return json_patch(original, patch)
    raise unsupported_media_type(content_type)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: maps merge recursively, `null` deletes, everything else (lists too) replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge(original: Any, patch: dict[str, Any], path: tuple[str, ...] = ()) -> Any:
    """Kubernetes strategic merge patch of one map."""
    if patch.get("$patch") == "replace":
        return _strip({k: v for k, v in patch.items() if k != "$patch"})
    result: dict[str, Any] = copy.deepcopy(original) if isinstance(original, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            if value.get("$patch") == "delete":
                result.pop(key, None)
            else:
                result[key] = strategic_merge(result.get(key), value, (*path, key))
        elif isinstance(value, list):
            result[key] = _merge_list(result.get(key), value, path, key)
        else:
            result[key] = value
    for key, value in patch.items():
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            result[field] = [v for v in result.get(field) or [] if v not in value]
        elif key.startswith("$setElementOrder/"):
            field = key.split("/", 1)[1]
            result[field] = _ordered(result.get(field) or [], value, merge_key(path, field))
    if "$retainKeys" in patch:
        result = {k: v for k, v in result.items() if k in patch["$retainKeys"]}
    return result


def _merge_list(original: Any, patch: list[Any], path: tuple[str, ...], field: str) -> list[Any]:
    key = merge_key(path, field)
    if any(isinstance(i, dict) and i.get("$patch") == "replace" for i in patch):
        return [_strip(i) for i in patch if not (isinstance(i, dict) and "$patch" in i)]
    if field in _PRIMITIVE_SETS:
        merged = list(original or [])
        return merged + [v for v in patch if v not in merged]
    if key is None or not isinstance(original, list):
        return [_strip(i) for i in patch if not (isinstance(i, dict) and i.get("$patch"))]
    merged = copy.deepcopy(original)
    for item in patch:
        if not isinstance(item, dict):
            raise bad_request(f"{field}: list of maps expected for merge key {key!r}")
        if key not in item:
            raise bad_request(f"map: {item} does not contain declared merge key: {key}")
        index = next((i for i, o in enumerate(merged) if o.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if index is not None:
                del merged[index]
        elif index is None:
            merged.append(strategic_merge({}, item, (*path, field)))
        else:
            merged[index] = strategic_merge(merged[index], item, (*path, field))
    return merged


def _ordered(items: list[Any], order: list[Any], key: str | None) -> list[Any]:
    def position(item: Any) -> int:
        wanted = {key: item.get(key)} if key and isinstance(item, dict) else item
        return order.index(wanted) if wanted in order else len(order)

    return sorted(items, key=position)


def _strip(value: Any) -> Any:
    """A patch fragment without directives or nulls, as it lands in a new place."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not k.startswith("$") and v is not None}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def json_patch(document: dict[str, Any], operations: list[Any]) -> dict[str, Any]:
    """RFC 6902 operations; a failed `test` or a missing path is a 422, as on a real server."""
    doc: Any = copy.deepcopy(document)
    for op in operations:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise bad_request(f"invalid JSON patch operation: {op}")
        kind, path = op["op"], op["path"]
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op["value"]))
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "replace":
            _remove(doc, path)
            doc = _add(doc, path, copy.deepcopy(op["value"]))
        elif kind == "move":
            value = _get(doc, op["from"])
            _remove(doc, op["from"])
            doc = _add(doc, path, value)
        elif kind == "copy":
            doc = _add(doc, path, copy.deepcopy(_get(doc, op["from"])))
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise _unprocessable(f"testing value {path} failed: test failed")
        else:
            raise bad_request(f"Unexpected kind: {kind}")
    return doc


def _unprocessable(message: str) -> KubeError:
    return KubeError(422, "Invalid", message)


def _tokens(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise _unprocessable(f"JSON pointer must start with '/': {path}")
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def _parent(doc: Any, path: str) -> tuple[Any, str]:
    tokens = _tokens(path)
    if not tokens:
        raise _unprocessable("cannot operate on the whole document")
    node = doc
    for token in tokens[:-1]:
        node = _child(node, token, path)
    return node, tokens[-1]


def _child(node: Any, token: str, path: str) -> Any:
    try:
        return node[int(token)] if isinstance(node, list) else node[token]
    except (KeyError, IndexError, ValueError, TypeError):
        raise _unprocessable(f"doc is missing path: {path}: missing value") from None


def _get(doc: Any, path: str) -> Any:
    node = doc
    for token in _tokens(path):
        node = _child(node, token, path)
    return node


def _add(doc: Any, path: str, value: Any) -> Any:
    if path == "":
        return value
    parent, last = _parent(doc, path)
    if isinstance(parent, list):
        if last == "-":
            parent.append(value)
        else:
            index = int(last)
            if not 0 <= index <= len(parent):
                raise _unprocessable(f"add operation does not apply: index out of bounds: {path}")
            parent.insert(index, value)
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise _unprocessable(f"doc is missing path: {path}: missing value")
    return doc


def _remove(doc: Any, path: str) -> None:
    parent, last = _parent(doc, path)
    _child(parent, last, path)
    if isinstance(parent, list):
        del parent[int(last)]
    else:
        del parent[last]
