"""Which Deployment and container each service of an app is, and the release they run."""

from __future__ import annotations

import re
from dataclasses import dataclass

from actions.config import Settings
from actions.environments.base import Release
from actions.environments.kubernetes.objects import Obj, image_tag, pick_container
from actions.environments.local_plan import start_order
from actions.errors import ConfigError, EnvironmentFailure

# A Docker image tag: what a release's version must be to name an image.
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


@dataclass(frozen=True)
class Target:
    """One service of an app as Kubernetes sees it."""

    service: str
    deployment: str
    container: str | None  # configured; None: named like the service, else the first
    image: str | None  # repository; a release's image is `<image>:<version>`

    def container_of(self, deployment: Obj) -> Obj:
        """The container to update in this Deployment; an error naming the ones there are."""
        found = pick_container(deployment, self.container, self.service)
        if found is None:
            there = ", ".join(
                str(c.get("name"))
                for c in ((deployment.get("spec") or {}).get("template") or {})
                .get("spec", {})
                .get("containers", [])
            )
            raise EnvironmentFailure(
                f"deployment {self.deployment} has no container {self.container or self.service!r}"
                f" (it has: {there or 'none'})"
            )
        return found

    def image_for(self, release: Release) -> str:
        """`<image>:<version>`, validated before anything is changed."""
        if not self.image:
            raise ConfigError(f"service {self.service} has no `image` to deploy in kubernetes")
        version = release.version_of(self.service)
        if not _TAG.match(version):
            raise EnvironmentFailure(f"{version!r} is not a valid image tag for {self.service}")
        return f"{self.image}:{version}"


def app_targets(settings: Settings, app: str) -> list[Target]:
    """The app's services in dependency order (each after the services it depends on)."""
    config = settings.apps.get(app)
    if config is None:
        raise ConfigError(f"unknown app {app!r}; apps are: {', '.join(sorted(settings.apps))}")
    return [
        Target(
            service=service,
            deployment=config.services[service].kubernetes.deployment or service,
            container=config.services[service].kubernetes.container,
            image=config.services[service].image,
        )
        for service in start_order(config.services)
    ]


def running_release(app: str, targets: list[Target], deployments: dict[str, Obj]) -> Release:
    """The release the Deployments run, from their containers' image tags."""
    versions: dict[str, str] = {}
    for target in targets:
        workload = deployments.get(target.service)
        chosen = pick_container(workload, target.container, target.service) if workload else None
        if chosen:
            versions[target.service] = image_tag(str(chosen.get("image", ""))) or "latest"
    found = set(versions.values())
    version = found.pop() if len(found) == 1 else "mixed"
    return Release(app=app, version=version, services=versions)
