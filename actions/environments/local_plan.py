"""What the local environment will launch for a release: validated before anything starts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from actions.config import AppConfig, ServiceConfig, Settings
from actions.environments.base import Release
from actions.environments.ports import base_url
from actions.errors import ConfigError, EnvironmentFailure

PLACEHOLDERS = ("python", "host", "port", "data_dir", "version", "release_dir", "url:<service>")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")


@dataclass(frozen=True)
class Launch:
    """One service process to start: its command, where, and how to check it."""

    service: str
    version: str
    command: list[str]
    cwd: Path
    env: dict[str, str]
    port: int
    url: str
    health_url: str
    data_dir: Path
    direct_url: str = ""  # the process itself; `url` is its sidecar's when it has one
    proxy_port: int | None = None  # the fault sidecar in front of it (chaos-enabled only)
    control_port: int | None = None


def start_order(services: dict[str, ServiceConfig]) -> list[str]:
    """Service names so that each comes after the services it depends on."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in visiting:
            raise ConfigError(f"services depend on each other in a cycle: {' -> '.join(chain)}")
        visiting.add(name)
        for dep in services[name].depends_on:
            visit(dep, (*chain, dep))
        visiting.discard(name)
        order.append(name)

    for name in services:
        visit(name, (name,))
    return order


def release_dir(settings: Settings, app_name: str, app: AppConfig, version: str) -> Path | None:
    """`<releases_dir>/<version>`, or None without releases_dir; an error naming the versions."""
    if not _VERSION.match(version):
        raise EnvironmentFailure(f"{version!r} is not a version (letters, digits, '.', '-', '_')")
    if app.releases_dir is None:
        return None
    root = settings.resolve(app.releases_dir)
    path = root / version
    if not path.is_dir():
        known = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        available = ", ".join(known) or f"none: {root} has no release folders"
        raise EnvironmentFailure(f"{app_name} has no release {version}; available: {available}")
    return path


def render(text: str, values: dict[str, str], urls: dict[str, str], where: str) -> str:
    """`text` with its placeholders filled; a ConfigError for an unknown one."""

    def fill(match: re.Match[str]) -> str:
        name, arg = match.group(1), match.group(2)
        if name == "url" and arg is not None:
            if arg not in urls:
                raise ConfigError(f"{where}: {{url:{arg}}} names no service of this app")
            return urls[arg]
        if arg is None and name in values:
            return values[name]
        if arg is None and name == "release_dir":
            raise ConfigError(f"{where}: {{release_dir}} needs the app's releases_dir to be set")
        known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        raise ConfigError(f"{where}: unknown placeholder {match.group(0)}; known: {known}")

    return _PLACEHOLDER.sub(fill, text)


def plan_launches(
    settings: Settings,
    release: Release,
    *,
    host: str,
    ports: list[int],
    data_root: Path,
    python: str,
    sidecar_ports: list[tuple[int, int]] | None = None,
) -> list[Launch]:
    """The processes to start for `release`, in dependency order, with every placeholder filled.

    With `sidecar_ports` (a proxy port and a control port per service), each service is reached
    through its fault sidecar: `{url:<service>}` and `Launch.url` are the sidecar's address.
    """
    app = settings.apps.get(release.app)
    if app is None:
        raise ConfigError(
            f"unknown app {release.app!r}; apps are: {', '.join(sorted(settings.apps))}"
        )
    unknown = sorted(set(release.services) - set(app.services))
    if unknown:
        raise EnvironmentFailure(f"{release.app} has no service {', '.join(unknown)}")
    order = start_order(app.services)
    if len(ports) < len(order):
        raise ValueError("one port per service is needed")
    port_of = dict(zip(order, ports, strict=False))
    direct = {name: base_url(host, port_of[name]) for name in order}
    sidecar_of = dict(zip(order, sidecar_ports, strict=False)) if sidecar_ports else {}
    if sidecar_ports is not None and len(sidecar_ports) < len(order):
        raise ValueError("one pair of sidecar ports per service is needed")
    urls = {
        name: base_url(host, sidecar_of[name][0]) if name in sidecar_of else direct[name]
        for name in order
    }
    launches = []
    for name in order:
        local = app.services[name].local
        where = f"apps.{release.app}.services.{name}.local"
        if local is None:
            raise ConfigError(f"{where} is missing: the local environment needs a command")
        version = release.version_of(name)
        rdir = release_dir(settings, release.app, app, version)
        values = {
            "python": python,
            "host": host,
            "port": str(port_of[name]),
            "data_dir": str(data_root / name),
            "version": version,
        }
        if rdir is not None:
            values["release_dir"] = str(rdir)
        launches.append(
            Launch(
                service=name,
                version=version,
                command=[render(arg, values, urls, f"{where}.command") for arg in local.command],
                cwd=settings.resolve(render(local.cwd, values, urls, f"{where}.cwd")),
                env={k: render(v, values, urls, f"{where}.env.{k}") for k, v in local.env.items()},
                port=port_of[name],
                url=urls[name],
                health_url=direct[name] + "/" + local.health.lstrip("/"),
                data_dir=data_root / name,
                direct_url=direct[name],
                proxy_port=sidecar_of[name][0] if name in sidecar_of else None,
                control_port=sidecar_of[name][1] if name in sidecar_of else None,
            )
        )
    return launches
