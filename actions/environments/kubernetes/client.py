"""Connecting to a cluster: kubeconfig (file, context) or in-cluster, with the safety checks first.

Every API object the environment uses comes from here, so the namespace and context allowlists
are checked once, before any call reaches the cluster.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kubernetes import client, config
from kubernetes.config.config_exception import ConfigException

from actions.config import EnvironmentConfig
from actions.errors import ConfigError, PermissionDenied

REQUEST_TIMEOUT_S = 10.0
"""Timeout of every non-watch API call (connect and read)."""


@dataclass
class KubeApi:
    """The typed API groups of one connection, bound to one environment's namespace."""

    api_client: client.ApiClient
    namespace: str
    context: str | None

    @property
    def core(self) -> client.CoreV1Api:
        return client.CoreV1Api(self.api_client)

    @property
    def apps(self) -> client.AppsV1Api:
        return client.AppsV1Api(self.api_client)

    @property
    def batch(self) -> client.BatchV1Api:
        return client.BatchV1Api(self.api_client)

    @property
    def autoscaling(self) -> client.AutoscalingV2Api:
        return client.AutoscalingV2Api(self.api_client)

    @property
    def custom(self) -> client.CustomObjectsApi:
        return client.CustomObjectsApi(self.api_client)

    def close(self) -> None:
        self.api_client.close()


def check_target(name: str, env: EnvironmentConfig, namespace: str, context: str | None) -> None:
    """Refuse a namespace or context outside the environment's allowlist."""
    if not env.namespace_allowed(namespace):
        raise PermissionDenied(
            f"environment {name}: namespace {namespace!r} is outside its allowlist "
            f"({', '.join(env.allowed_namespaces or [str(env.namespace)])})"
        )
    if not env.context_allowed(context):
        raise PermissionDenied(
            f"environment {name}: context {context!r} is outside its allowlist "
            f"({', '.join(env.allowed_contexts or [str(env.context)])})"
        )


def connect(name: str, env: EnvironmentConfig, base_dir: Path) -> KubeApi:
    """A client for the environment: its kubeconfig and context, else in-cluster credentials."""
    namespace = str(env.namespace)
    kubeconfig = env.kubeconfig
    if kubeconfig:
        path = Path(os.path.expanduser(kubeconfig))
        kubeconfig = str(path if path.is_absolute() else base_dir / path)
    try:
        configuration = client.Configuration()
        if kubeconfig or _default_kubeconfig_exists() or env.context:
            config.load_kube_config(
                config_file=kubeconfig,
                context=env.context,
                client_configuration=configuration,
                persist_config=False,
            )
            context = env.context or _current_context(kubeconfig)
        else:
            config.load_incluster_config(client_configuration=configuration)
            context = None
        # One bounded retry policy (ours, in retry.py) instead of urllib3's hidden three per call.
        configuration.retries = 0
        api_client = client.ApiClient(configuration)
    except (ConfigException, OSError, TypeError) as exc:
        raise ConfigError(f"environment {name}: cannot load Kubernetes credentials: {exc}") from exc
    check_target(name, env, namespace, context)
    return KubeApi(api_client=api_client, namespace=namespace, context=context)


def _default_kubeconfig_exists() -> bool:
    # The client library reads $KUBECONFIG itself into this default; we never read it here.
    paths = str(config.KUBE_CONFIG_DEFAULT_LOCATION)
    return any(Path(os.path.expanduser(p)).exists() for p in paths.split(os.pathsep) if p)


def _current_context(kubeconfig: str | None) -> str | None:
    try:
        _, current = config.list_kube_config_contexts(config_file=kubeconfig)
    except (ConfigException, OSError):
        return None
    return str(current["name"]) if current else None
