"""Feature flags: one ConfigMap per environment (`flags_configmap`), read and set by name.

Setting a flag is refused before any API call in a protected environment or outside the
environment's namespace and context allowlists. Updates carry the resourceVersion that was read,
so a concurrent change is never overwritten: on 409 Conflict the flag is re-read and set once more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kubernetes.client import V1ConfigMap, V1ObjectMeta
from kubernetes.client.exceptions import ApiException

from actions.config import EnvironmentConfig
from actions.environments.kubernetes.client import KubeApi, check_target
from actions.environments.kubernetes.retry import Calls, NotFound
from actions.errors import EnvironmentFailure, PermissionDenied

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,62}$")
MAX_VALUE_CHARS = 1024
MANAGED_BY = {"app.kubernetes.io/managed-by": "preprod"}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class FlagChange:
    """What `set_flag` did: the flag's value before (None: unset) and after."""

    name: str
    old: str | None
    new: str
    created_configmap: bool = False

    @property
    def changed(self) -> bool:
        return self.old != self.new


def validate_name(name: str) -> str:
    """A flag name, or ValueError saying what a name may be."""
    if not NAME_PATTERN.match(name):
        raise ValueError(
            f"flag name {name!r} is not valid: use 1-63 characters, letters, digits, '_', '.' "
            "or '-', starting with a letter or '_'"
        )
    return name


def validate_value(value: str) -> str:
    """A flag value, or ValueError: at most 1024 characters, one line."""
    if len(value) > MAX_VALUE_CHARS:
        raise ValueError(f"flag value is {len(value)} characters long; at most {MAX_VALUE_CHARS}")
    if "\n" in value or "\r" in value:
        raise ValueError("flag value must be one line (no newlines)")
    if _CONTROL.search(value):
        raise ValueError("flag value must not contain control characters")
    return value


def parse_assignment(text: str) -> tuple[str, str]:
    """`NAME=VALUE` -> (name, value); the value may be empty and may contain `=`."""
    name, sep, value = text.strip().partition("=")
    if not sep:
        raise ValueError(f"expected NAME=VALUE, got {text.strip()!r}")
    return validate_name(name), validate_value(value)


def read_flags(api: KubeApi, configmap: str) -> dict[str, str]:
    """The flags in the environment's ConfigMap; none when it does not exist."""
    found = _read(api, configmap)
    return dict(found.data or {}) if found is not None else {}


def set_flag(
    api: KubeApi,
    configmap: str,
    name: str,
    value: str,
    *,
    env_name: str,
    env: EnvironmentConfig,
) -> FlagChange:
    """Set one flag, creating the ConfigMap if needed; refused for a protected environment."""
    if env.protected:
        raise PermissionDenied(f"environment {env_name} is protected: its flags are read-only")
    check_target(env_name, env, api.namespace, api.context)
    validate_name(name)
    validate_value(value)
    try:
        return _set_once(api, configmap, name, value)
    except EnvironmentFailure as exc:
        if not _conflict(exc):
            raise
    try:  # someone else changed or created it meanwhile: read again, once
        return _set_once(api, configmap, name, value)
    except EnvironmentFailure as exc:
        if not _conflict(exc):
            raise
        raise EnvironmentFailure(
            f"flags ConfigMap {configmap} in namespace {api.namespace} changed while preprod "
            "was setting a flag, twice (409 Conflict); try again"
        ) from None


def _set_once(api: KubeApi, configmap: str, name: str, value: str) -> FlagChange:
    current = _read(api, configmap)
    calls = _calls(api)
    where = f"flags ConfigMap {configmap} in namespace {api.namespace}"
    if current is None:
        body = V1ConfigMap(
            metadata=V1ObjectMeta(name=configmap, namespace=api.namespace, labels=MANAGED_BY),
            data={name: value},
        )
        calls.write(
            api.core.create_namespaced_config_map,
            api.namespace,
            body,
            what=f"creating {where}",
        )
        return FlagChange(name=name, old=None, new=value, created_configmap=True)
    data = dict(current.data or {})
    old = data.get(name)
    if old == value:
        return FlagChange(name=name, old=old, new=value)
    data[name] = value
    current.data = data
    # `current` carries the resourceVersion read: the API answers 409 if the ConfigMap moved on.
    calls.write(
        api.core.replace_namespaced_config_map,
        configmap,
        api.namespace,
        current,
        what=f"updating {where}",
    )
    return FlagChange(name=name, old=old, new=value)


def _read(api: KubeApi, configmap: str) -> V1ConfigMap | None:
    try:
        found: V1ConfigMap = _calls(api).read(
            api.core.read_namespaced_config_map,
            configmap,
            api.namespace,
            what=f"reading flags ConfigMap {configmap} in namespace {api.namespace}",
        )
    except NotFound:
        return None
    return found


def _calls(api: KubeApi) -> Calls:
    return Calls(host=str(api.api_client.configuration.host))


def _conflict(exc: EnvironmentFailure) -> bool:
    cause = exc.__cause__
    return isinstance(cause, ApiException) and cause.status == 409
