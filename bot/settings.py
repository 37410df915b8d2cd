"""Finding and loading `preprod.yaml`, with errors that name the file, the key and the problem."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import ValidationError

from actions.config import Settings
from actions.errors import ConfigError
from bot import env_vars


def config_path(explicit: str | None = None) -> Path:
    """`--config`, else `./preprod.yaml`, else `$PREPROD_CONFIG`."""
    if explicit:
        return Path(explicit)
    local = Path("preprod.yaml")
    if local.exists():
        return local
    from_env = os.environ.get(env_vars.PREPROD_CONFIG)
    if from_env:
        return Path(from_env)
    raise ConfigError(
        "no configuration: pass --config FILE, or put a preprod.yaml in the current folder, "
        f"or set {env_vars.PREPROD_CONFIG}"
    )


def load_settings(explicit: str | None = None) -> Settings:
    """Read and validate the config file; raise ConfigError listing every problem."""
    path = config_path(explicit)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}:{where}: not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_errors(path, exc)) from None
    settings.base_dir = path.resolve().parent
    settings.read_credentials(os.environ)
    return settings


def format_errors(path: Path, exc: ValidationError) -> str:
    """One line per problem: `file: key.path: what is wrong`."""
    lines = [f"{path}: {exc.error_count()} problem(s)"]
    for error in exc.errors():
        key = ".".join(str(p) for p in error["loc"]) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        lines.append(f"{path}: {key}: {message}")
    return "\n".join(lines)
