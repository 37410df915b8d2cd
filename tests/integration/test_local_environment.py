"""The local environment: real service processes on 127.0.0.1, deployed, checked and stopped."""

from __future__ import annotations

import json
import os
import signal
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from actions.config import ServiceConfig, Settings
from actions.environments import processes
from actions.environments.base import Release
from actions.environments.factory import open_environment
from actions.environments.local import LocalEnvironment
from actions.environments.local_plan import start_order
from actions.errors import ConfigError, EnvironmentFailure

REPO = Path(__file__).resolve().parents[2]
SHOP = REPO / "examples" / "shop"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def shop_service(script: str, *extra: str, depends_on: list[str] | None = None) -> dict[str, Any]:
    command = ["{python}", f"{{release_dir}}/{script}", "--host", "{host}", "--port", "{port}"]
    return {
        "depends_on": depends_on or [],
        "local": {"command": [*command, "--db", f"{{data_dir}}/{script}.db", *extra]},
    }


def shop_settings(tmp_path: Path, releases: Path = SHOP / "releases", **env: Any) -> Settings:
    """Settings with the shop as app `shop`, storage and environment state under `tmp_path`."""
    storefront = shop_service("storefront.py", "--catalog-url", "{url:catalog}")
    return Settings.model_validate(
        {
            "storage": {"path": str(tmp_path / "preprod.db"), "artifacts": str(tmp_path / "art")},
            "environments": {"local": {"kind": "local", "health_timeout": "10s", **env}},
            "apps": {
                "shop": {
                    "releases_dir": str(releases),
                    "services": {
                        "catalog": shop_service("catalog.py"),
                        "storefront": {**storefront, "depends_on": ["catalog"]},
                    },
                }
            },
            "base_dir": REPO,
        }
    )


def http(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with NO_PROXY.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"null")


def shop(version: str) -> Release:
    return Release(app="shop", version=version)


def quiet(message: str) -> None:
    """A progress callback that drops the messages."""


@pytest.fixture
def make_env(tmp_path: Path) -> Iterator[Callable[..., LocalEnvironment]]:
    """Builds local environments on the shop; every one is torn down after the test."""
    made: list[LocalEnvironment] = []

    def make(settings: Settings | None = None) -> LocalEnvironment:
        made.append(LocalEnvironment("local", settings or shop_settings(tmp_path)))
        return made[-1]

    yield make
    for env in made:
        env.teardown()


@pytest.fixture
def env(make_env: Callable[..., LocalEnvironment]) -> LocalEnvironment:
    return make_env()


@pytest.fixture
def broken_releases(tmp_path: Path) -> Path:
    """Releases 1.0 (the real one), 2.0 (catalog crashes at start), 2.1 (catalog never listens)."""
    releases = tmp_path / "releases"
    releases.mkdir()
    (releases / "1.0").symlink_to(SHOP / "releases" / "1.0")
    crash = """
        import sys
        for step in range(1, 31):
            print(f"boot step {step}")
        print("catalog: database schema 7 is newer than this release", file=sys.stderr)
        sys.exit(3)
    """
    hang = """
        import os, time
        with open(os.path.join(os.path.dirname(__file__), "pid"), "w") as f:
            f.write(str(os.getpid()))
        time.sleep(60)
    """
    for version, code in (("2.0", crash), ("2.1", hang)):
        (releases / version).mkdir()
        (releases / version / "catalog.py").write_text(textwrap.dedent(code))
    return releases


def test_deploy_starts_every_service_and_the_shop_serves(env: LocalEnvironment) -> None:
    outcome = env.deploy(shop("1.0"), quiet)

    assert outcome.ok, outcome.details
    assert set(outcome.urls) == {"catalog", "storefront"}
    assert http("GET", outcome.urls["storefront"] + "/healthz")[1]["version"] == "1.0"
    status, body = http("GET", outcome.urls["storefront"] + "/api/products")
    assert status == 200 and len(body["products"]) > 10


def test_progress_tells_each_start_and_its_health(env: LocalEnvironment) -> None:
    messages: list[str] = []
    env.deploy(shop("1.0"), messages.append)

    catalog = next(m for m in messages if m.startswith("starting catalog 1.0 on 127.0.0.1:"))
    assert messages.index(catalog) < messages.index(
        next(m for m in messages if m.startswith("starting storefront"))
    )
    assert any(m.startswith("catalog healthy in ") for m in messages)


def test_status_reports_the_running_version_and_healthy_services(env: LocalEnvironment) -> None:
    env.deploy(shop("1.0"), quiet)

    status = env.status()

    assert (status.app, status.version, status.kind) == ("shop", "1.0", "local")
    assert status.healthy
    assert [s.name for s in status.services] == ["catalog", "storefront"]
    assert env.urls() == {s.name: s.url for s in status.services}


def test_status_reports_a_killed_process_as_unhealthy(env: LocalEnvironment) -> None:
    env.deploy(shop("1.0"), quiet)
    catalog = next(s for s in env.status().services if s.name == "catalog")
    assert catalog.pid is not None

    os.killpg(catalog.pid, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while processes.is_running(catalog.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    status = env.status()

    dead = next(s for s in status.services if s.name == "catalog")
    assert not status.healthy
    assert not dead.healthy and "not running" in dead.detail


def test_new_version_replaces_the_old_processes(env: LocalEnvironment) -> None:
    env.deploy(shop("1.0"), quiet)
    old_pids = [s.pid for s in env.status().services]

    outcome = env.deploy(shop("1.1"), quiet)

    assert outcome.ok and outcome.previous == shop("1.0")
    assert not any(processes.is_running(pid) for pid in old_pids if pid)
    assert env.status().previous_version == "1.0"
    assert http("GET", outcome.urls["catalog"] + "/healthz")[1]["version"] == "1.1"


def test_rollback_returns_to_the_previous_version_and_its_behaviour(env: LocalEnvironment) -> None:
    env.deploy(shop("1.0"), quiet)
    candidate = env.deploy(shop("1.1"), quiet).urls["storefront"]
    assert "related" in http("GET", candidate + "/api/products/3")[1]

    outcome = env.rollback(quiet)

    storefront = outcome.urls["storefront"]
    assert outcome.ok and env.status().version == "1.0"
    assert env.status().previous_version == "1.1"
    assert "related" not in http("GET", storefront + "/api/products/3")[1]
    assert http("POST", storefront + "/api/orders", {"product_id": 3, "quantity": 3})[0] == 201


def test_rollback_without_a_previous_release_is_refused(env: LocalEnvironment) -> None:
    env.deploy(shop("1.0"), quiet)

    with pytest.raises(EnvironmentFailure, match="no previous release"):
        env.rollback(quiet)


def test_crashing_release_fails_with_its_exit_code_and_log_tail(
    make_env: Callable[..., LocalEnvironment], tmp_path: Path, broken_releases: Path
) -> None:
    env = make_env(shop_settings(tmp_path, broken_releases))

    outcome = env.deploy(shop("2.0"), quiet)

    assert not outcome.ok
    assert "catalog exited with code 3" in outcome.summary
    assert any("exited with code 3" in line for line in outcome.details)
    assert "catalog: database schema 7 is newer than this release" in outcome.details
    assert "boot step 30" in outcome.details and "boot step 5" not in outcome.details


def test_failed_deploy_leaves_the_previous_release_serving(
    make_env: Callable[..., LocalEnvironment], tmp_path: Path, broken_releases: Path
) -> None:
    env = make_env(shop_settings(tmp_path, broken_releases))
    before = env.deploy(shop("1.0"), quiet).urls

    outcome = env.deploy(shop("2.0"), quiet)

    assert not outcome.ok and "1.0 is still serving" in outcome.summary
    assert env.status().version == "1.0" and env.status().healthy
    assert env.urls() == before
    assert http("GET", before["storefront"] + "/api/products/1")[0] == 200


def test_release_that_never_gets_healthy_fails_and_is_stopped(
    make_env: Callable[..., LocalEnvironment], tmp_path: Path, broken_releases: Path
) -> None:
    env = make_env(shop_settings(tmp_path, broken_releases, health_timeout="1.5s"))

    outcome = env.deploy(shop("2.1"), quiet)

    assert not outcome.ok and "not healthy within 1.5s" in outcome.summary
    assert not processes.is_running(int((broken_releases / "2.1" / "pid").read_text()))
    assert env.status().services == [] and env.urls() == {}


def test_unknown_version_names_the_available_versions(env: LocalEnvironment) -> None:
    with pytest.raises(
        EnvironmentFailure, match=r"shop has no release 9\.9; available: 1\.0, 1\.1"
    ):
        env.deploy(shop("9.9"), quiet)


def test_version_that_is_a_path_is_refused(env: LocalEnvironment) -> None:
    with pytest.raises(EnvironmentFailure, match="is not a version"):
        env.deploy(shop("../1.0"), quiet)


def test_unknown_placeholder_is_a_config_error_and_starts_nothing(
    make_env: Callable[..., LocalEnvironment], tmp_path: Path
) -> None:
    settings = shop_settings(tmp_path)
    storefront = settings.apps["shop"].services["storefront"].local
    assert storefront is not None
    storefront.command.append("{colour}")
    env = make_env(settings)

    with pytest.raises(ConfigError, match=r"unknown placeholder \{colour\}.*\{url:<service>\}"):
        env.deploy(shop("1.0"), quiet)
    assert env.status().services == []


def test_placeholders_are_filled_in_command_cwd_and_env(
    make_env: Callable[..., LocalEnvironment], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "echo.py"
    script.write_text(
        "import json, os, sys\n"
        "print(json.dumps({'argv': sys.argv[1:], 'cwd': os.getcwd(), 'env': os.environ.get('E'),"
        " 'secret': os.environ.get('SLACK_BOT_TOKEN')}), flush=True)\n"
        "server = [sys.executable, '-m', 'http.server', sys.argv[1], '-b', '127.0.0.1']\n"
        "os.execv(sys.executable, server)\n"
    )
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-not-for-services")
    settings = shop_settings(tmp_path)
    settings.apps["echo"] = settings.apps["shop"].model_copy(
        update={
            "releases_dir": None,
            "services": {
                "web": ServiceConfig.model_validate(
                    {
                        "local": {
                            "command": [
                                "{python}",
                                str(script),
                                "{port}",
                                "{version}",
                                "{url:web}",
                            ],
                            "cwd": "{data_dir}",
                            "health": "/",
                            "env": {"E": "{host}:{port}"},
                        }
                    }
                )
            },
        }
    )
    env = make_env(settings)

    outcome = env.deploy(Release(app="echo", version="7"), quiet)

    assert outcome.ok, outcome.details
    seen = json.loads(env.logs("web", 200)[0])
    port = outcome.urls["web"].rsplit(":", 1)[1]
    assert seen["argv"] == [port, "7", outcome.urls["web"]]
    assert seen["cwd"] == str(tmp_path / "envs" / "local" / "data" / "web")
    assert seen["env"] == f"127.0.0.1:{port}"
    assert seen["secret"] is None


def test_teardown_stops_every_process(env: LocalEnvironment) -> None:
    env.deploy(shop("1.0"), quiet)
    pids = [s.pid for s in env.status().services if s.pid]

    env.teardown()

    assert pids and not any(processes.is_running(pid) for pid in pids)
    assert env.status().version is None and env.urls() == {}


def test_logs_are_the_last_lines_of_the_service_output(env: LocalEnvironment) -> None:
    urls = env.deploy(shop("1.0"), quiet).urls
    http("GET", urls["storefront"] + "/api/products/999")

    last = json.loads(env.logs("storefront", tail=1)[0])

    assert (last["path"], last["status"], last["service"]) == (
        "/api/products/999",
        404,
        "storefront",
    )
    assert len(env.logs("storefront", tail=2)) == 2
    with pytest.raises(EnvironmentFailure, match="runs no service 'nope'"):
        env.logs("nope")


def test_data_persists_across_versions(env: LocalEnvironment) -> None:
    first = env.deploy(shop("1.0"), quiet).urls["storefront"]
    order = http("POST", first + "/api/orders", {"product_id": 4, "quantity": 1})[1]

    second = env.deploy(shop("1.1"), quiet).urls["storefront"]

    assert http("GET", f"{second}/api/orders/{order['id']}")[1]["total"] == order["total"]


def test_a_later_process_sees_and_stops_the_deployment(
    make_env: Callable[..., LocalEnvironment], tmp_path: Path
) -> None:
    make_env().deploy(shop("1.0"), quiet)

    later = make_env()
    pids = [s.pid for s in later.status().services if s.pid]
    later.teardown()

    assert later.status().version is None
    assert pids and not any(processes.is_running(pid) for pid in pids)


def test_workdir_from_config_holds_the_state(
    make_env: Callable[..., LocalEnvironment], tmp_path: Path
) -> None:
    env = make_env(shop_settings(tmp_path, workdir=str(tmp_path / "custom")))

    env.deploy(shop("1.0"), quiet)

    state = json.loads((tmp_path / "custom" / "state.json").read_text())
    assert state["current"]["version"] == "1.0" and set(state["services"]) == {
        "catalog",
        "storefront",
    }


def test_services_start_after_their_dependencies() -> None:
    services = {
        "web": ServiceConfig(depends_on=["api"]),
        "api": ServiceConfig(depends_on=["db"]),
        "db": ServiceConfig(),
    }
    assert start_order(services) == ["db", "api", "web"]


def test_dependency_cycle_is_a_config_error() -> None:
    services = {"a": ServiceConfig(depends_on=["b"]), "b": ServiceConfig(depends_on=["a"])}
    with pytest.raises(ConfigError, match="cycle: a -> b -> a"):
        start_order(services)


def test_factory_opens_a_local_environment(tmp_path: Path) -> None:
    env = open_environment(shop_settings(tmp_path), "local")
    assert isinstance(env, LocalEnvironment) and env.kind == "local"


def test_factory_opens_a_kubernetes_environment_without_calling_the_cluster(
    tmp_path: Path,
) -> None:
    settings = shop_settings(tmp_path)
    settings.environments["cluster"] = settings.environments["local"].model_copy(
        update={"kind": "kubernetes", "namespace": "shop"}
    )
    env = open_environment(settings, "cluster")
    assert (env.kind, env.name) == ("kubernetes", "cluster")


def test_factory_names_the_known_environments_for_an_unknown_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown environment 'prod'; environments are: local"):
        open_environment(shop_settings(tmp_path), "prod")


def test_interrupted_deploy_leaves_nothing_of_it_running(env: LocalEnvironment) -> None:
    class Interrupted(Exception):
        pass

    seen: list[str] = []

    def progress(message: str) -> None:
        seen.append(message)
        if message.startswith("catalog healthy"):
            raise Interrupted

    with pytest.raises(Interrupted):
        env.deploy(shop("1.0"), progress)

    catalog_url = "http://" + seen[0].rsplit(" on ", 1)[1]
    assert not processes.probe(catalog_url + "/healthz", timeout=1.0)[0]
    assert env.status().services == []


def test_a_probe_of_a_process_dying_mid_answer_is_unhealthy_not_an_error() -> None:
    """A health answer cut short (headers sent, body never) is unhealthy, never an exception."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def answer_and_die() -> None:
        conn, _ = server.accept()
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 56\r\n\r\n")
        conn.close()

    thread = threading.Thread(target=answer_and_die, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.getsockname()[1]}/health"
        healthy, said = processes.probe(url, 5.0)
        assert not healthy
        assert "cut short" in said
    finally:
        thread.join(timeout=5)
        server.close()
