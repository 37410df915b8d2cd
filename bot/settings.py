"""Finding and loading `preprod.yaml`, with errors that name the file, the key and the problem."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import ValidationError

from actions.config import Settings
from actions.errors import ConfigError
from actions.yaml_files import format_errors, read_yaml
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
    data = read_yaml(path, ConfigError)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_errors(path, exc)) from None
    settings.base_dir = path.resolve().parent
    settings.read_credentials(os.environ)
    return settings
