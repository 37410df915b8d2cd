"""The example shop on the fake cluster: pods that really serve, behind Service-like proxies.

The fake API server plays the controllers; this adds a container runtime for the shop's images:
when a pod of `registry.example/shop/<service>:<version>` becomes ready, a real process of that
service and version is started (synchronously, in the kubelet hook, so the rollout cannot look
complete before it serves) and its Service proxy is pointed at it.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from actions.config import Settings
from tests.conftest import ROOT, example_settings
from tests.fakes.kube_api import FakeKubernetes
from tests.fakes.service_proxy import ServiceProxy

REGISTRY = "registry.example/shop"
NAMESPACE = "shop-staging"
SERVICES = ("catalog", "storefront")


class ShopCluster:
    """A fake cluster running the shop; `urls` are the services' stable addresses."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.kube = FakeKubernetes().start()
        self.proxies = {name: ServiceProxy().start() for name in SERVICES}
        self.processes: dict[tuple[str, str], subprocess.Popen[bytes]] = {}
        self.ports: dict[tuple[str, str], int] = {}
        self.kube.on_pod_ready(self._pod_ready)

    @property
    def urls(self) -> dict[str, str]:
        return {name: proxy.url for name, proxy in self.proxies.items()}

    def seed(self, version: str) -> None:
        """The shop at `version`, already rolled out and serving."""
        for service in SERVICES:
            self._serve(service, version)
            self.kube.seed_deployment(
                NAMESPACE,
                service,
                f"{REGISTRY}/{service}:{version}",
                replicas=1,
                container=service,
                labels={"app": service},
            )

    def _pod_ready(self, pod: dict[str, Any]) -> None:
        for container in pod["spec"]["containers"]:
            repository, _, version = container["image"].rpartition(":")
            service = repository.rsplit("/", 1)[-1]
            if service in SERVICES:
                self._serve(service, version)

    def _serve(self, service: str, version: str) -> None:
        key = (service, version)
        if key not in self.processes:
            port = _free_port()
            release = ROOT / "examples" / "shop" / "releases" / version
            command = [sys.executable, str(release / f"{service}.py"), "--host", "127.0.0.1"]
            command += ["--port", str(port), "--db", str(self.workdir / f"{service}-{version}.db")]
            if service == "storefront":
                command += ["--catalog-url", self.proxies["catalog"].url]
            log = (self.workdir / f"{service}-{version}.log").open("wb")
            self.processes[key] = subprocess.Popen(command, stdout=log, stderr=log)
            log.close()
            _wait_healthy(f"http://127.0.0.1:{port}/healthz")
            self.ports[key] = port
        self.proxies[service].backend = f"http://127.0.0.1:{self.ports[key]}"

    def close(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            process.wait(10)
        for proxy in self.proxies.values():
            proxy.close()
        self.kube.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{url} never became healthy")


def staging_settings(tmp_path: Path, cluster: ShopCluster, **env: Any) -> Settings:
    """The example config with one `staging` environment: this cluster's namespace and URLs."""
    kubeconfig = cluster.kube.kubeconfig(tmp_path / "kubeconfig", namespace=NAMESPACE)
    settings = example_settings(
        tmp_path,
        default_environment="staging",
        environments={
            "staging": {
                "kind": "kubernetes",
                "kubeconfig": str(kubeconfig),
                "context": "fake",
                "namespace": NAMESPACE,
                "urls": cluster.urls,
                **env,
            }
        },
    )
    for service in SERVICES:
        settings.apps["shop"].services[service].image = f"{REGISTRY}/{service}"
    return settings
