"""Opens the environment a name refers to, by its kind in the configuration."""

from __future__ import annotations

from actions.config import Settings
from actions.environments.base import Environment
from actions.environments.local import LocalEnvironment
from actions.errors import ConfigError


def open_environment(settings: Settings, name: str) -> Environment:
    """The environment called `name`, of the kind its config says."""
    config = settings.environments.get(name)
    if config is None:
        known = ", ".join(sorted(settings.environments))
        raise ConfigError(f"unknown environment {name!r}; environments are: {known}")
    if config.kind == "kubernetes":
        # Imported here: the client library is only loaded where a cluster is configured.
        from actions.environments.kubernetes.environment import KubernetesEnvironment

        return KubernetesEnvironment(name, settings)
    return LocalEnvironment(name, settings)
