"""Opens the environment a name refers to, by its kind in the configuration."""

from __future__ import annotations

from actions.config import Settings
from actions.environments.base import Environment
from actions.environments.local import LocalEnvironment
from actions.errors import ConfigError, NotAvailable


def open_environment(settings: Settings, name: str) -> Environment:
    """The environment called `name`; NotAvailable for kinds this version cannot drive."""
    config = settings.environments.get(name)
    if config is None:
        known = ", ".join(sorted(settings.environments))
        raise ConfigError(f"unknown environment {name!r}; environments are: {known}")
    if config.kind == "kubernetes":
        raise NotAvailable("kubernetes environments arrive in a later version")
    return LocalEnvironment(name, settings)
