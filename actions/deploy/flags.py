"""Feature flags of an environment: a ConfigMap in Kubernetes, a JSON file for the local kind."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from actions.config import Settings
from actions.errors import PermissionDenied, UsageError


@dataclass(frozen=True)
class FlagChange:
    name: str
    old: str | None
    new: str


def parse_assignment(text: str) -> tuple[str, str]:
    """`NAME=VALUE` into its parts; UsageError saying what is wrong."""
    from actions.environments.kubernetes.flags import parse_assignment as parse

    try:
        return parse(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def show(settings: Settings, environment: str) -> dict[str, str]:
    """The environment's flags, by name."""
    env = settings.environments[environment]
    if env.kind == "kubernetes":
        from actions.environments.kubernetes.client import connect
        from actions.environments.kubernetes.flags import read_flags

        api = connect(environment, env, settings.base_dir)
        try:
            return read_flags(api, env.flags_configmap)
        finally:
            api.close()
    return _read_local(_local_path(settings, environment))


def change(settings: Settings, environment: str, assignment: str) -> FlagChange:
    """Set one flag; refused on a protected environment before anything is touched."""
    env = settings.environments[environment]
    if env.protected:
        raise PermissionDenied(f"environment {environment} is protected: read-only")
    name, value = parse_assignment(assignment)
    if env.kind == "kubernetes":
        from actions.environments.kubernetes.client import connect
        from actions.environments.kubernetes.flags import set_flag

        api = connect(environment, env, settings.base_dir)
        try:
            done = set_flag(api, env.flags_configmap, name, value, env=env, env_name=environment)
        finally:
            api.close()
        return FlagChange(done.name, done.old, done.new)
    path = _local_path(settings, environment)
    flags = _read_local(path)
    old = flags.get(name)
    flags[name] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(flags, indent=2, sort_keys=True))
    os.replace(tmp, path)
    return FlagChange(name, old, value)


def _local_path(settings: Settings, environment: str) -> Path:
    env = settings.environments[environment]
    if env.workdir:
        return settings.resolve(env.workdir) / "flags.json"
    return settings.resolve(settings.storage.path).parent / "envs" / environment / "flags.json"


def _read_local(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {str(k): str(v) for k, v in data.items()}
