"""Locust command lines (one process, master, worker, local launcher) and the load's shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from actions.config import LoadConfig
from actions.testing.distributed import (
    LoadShape,
    launcher_command,
    local_command,
    master_command,
    single_command,
    worker_command,
    worker_logs,
)
from actions.testing.harness import LAUNCHER
from actions.testing.load import load_shape
from actions.testing.profile import parse_profile

SHAPE = LoadShape(users=8, spawn_rate=2.5, run_s=30)
PROFILE = parse_profile(
    {"users": 3, "spawn_rate": 1, "duration": "45s", "endpoints": [{"path": "/"}]}
)


def option(argv: list[str], flag: str) -> str:
    return argv[argv.index(flag) + 1]


def test_a_single_run_is_headless_and_writes_its_statistics() -> None:
    argv = single_command("lf.py", SHAPE, host="http://127.0.0.1:8000", prefix="/w/locust")

    assert argv[argv.index("-f") + 1] == "lf.py"
    assert (option(argv, "-u"), option(argv, "-r"), option(argv, "-t")) == ("8", "2.5", "30s")
    assert (option(argv, "--csv"), option(argv, "--json-file")) == ("/w/locust", "/w/locust")
    assert "--headless" in argv and "--master" not in argv


def test_a_master_waits_for_its_workers_on_its_port() -> None:
    argv = master_command(
        "lf.py", SHAPE, host="http://h", prefix="/w/locust", workers=3, port=6000,
        bind_host="0.0.0.0", python="python3",
    )  # fmt: skip

    assert argv[0] == "python3"
    assert "--master" in argv and "--headless" in argv
    assert option(argv, "--expect-workers") == "3"
    assert (option(argv, "--master-bind-host"), option(argv, "--master-bind-port")) == (
        "0.0.0.0",
        "6000",
    )
    assert option(argv, "--expect-workers-max-wait") == "30"
    assert option(argv, "--host") == "http://h"


def test_a_master_without_workers_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one worker"):
        master_command("lf.py", SHAPE, host="http://h", prefix="p", workers=0)


def test_a_worker_connects_to_its_master_and_is_not_headless() -> None:
    argv = worker_command("/app/lf.py", master_host="locust-master", master_port=5557)

    assert "--worker" in argv and "--headless" not in argv
    assert (option(argv, "--master-host"), option(argv, "--master-port")) == (
        "locust-master",
        "5557",
    )
    assert option(argv, "-f") == "/app/lf.py"


def test_the_launcher_gets_the_master_and_every_worker() -> None:
    argv = launcher_command(["m"], [["w1"], ["w2"]], [Path("a.log"), Path("b.log")], "py")

    assert argv[:2] == ["py", str(LAUNCHER)]
    assert json.loads(argv[2]) == {
        "master": ["m"],
        "workers": [["w1"], ["w2"]],
        "worker_logs": ["a.log", "b.log"],
    }


def test_a_local_distributed_run_puts_everything_on_loopback() -> None:
    prefix = Path("/w/locust")

    argv = local_command("lf.py", SHAPE, host="http://h", prefix=prefix, workers=2, port=7001)

    spec = json.loads(argv[2])
    assert option(spec["master"], "--master-bind-host") == "127.0.0.1"
    assert all(option(w, "--master-host") == "127.0.0.1" for w in spec["workers"])
    assert all(option(w, "--master-port") == "7001" for w in spec["workers"])
    assert spec["worker_logs"] == [str(p) for p in worker_logs(prefix, 2)]
    assert worker_logs(prefix, 2) == [
        Path("/w/locust-worker-1.log"),
        Path("/w/locust-worker-2.log"),
    ]


def test_a_profiles_own_load_applies_when_the_config_leaves_it_unset() -> None:
    config = LoadConfig(profile="p.yaml", service="s")

    assert load_shape(config, PROFILE) == (LoadShape(3, 1.0, 45), 45.0)


def test_what_the_config_sets_wins_over_the_profile() -> None:
    config = LoadConfig(profile="p.yaml", service="s", users=20, duration="10s")

    assert load_shape(config, PROFILE) == (LoadShape(20, 1.0, 10), 10.0)


def test_an_override_from_the_command_wins_over_the_profile() -> None:
    config = LoadConfig(profile="p.yaml", service="s").model_copy(update={"users": 50})

    assert load_shape(config, PROFILE)[0].users == 50


def test_a_locustfile_run_uses_the_configs_load() -> None:
    config = LoadConfig(locustfile="lf.py", service="s", duration="2.5s")

    assert load_shape(config, None) == (LoadShape(10, 5.0, 3), 2.5)


@pytest.mark.parametrize(
    "fields",
    [{}, {"locustfile": "lf.py", "profile": "p.yaml"}],
)
def test_a_load_config_names_exactly_one_of_locustfile_and_profile(
    fields: dict[str, str],
) -> None:
    with pytest.raises(ValidationError, match="give exactly one of locustfile and profile"):
        LoadConfig(service="s", **fields)


def test_workers_cannot_be_negative() -> None:
    with pytest.raises(ValidationError, match="workers"):
        LoadConfig(profile="p.yaml", service="s", workers=-1)
