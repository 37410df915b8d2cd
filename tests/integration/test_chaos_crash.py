"""The bot killed in the middle of chaos experiments: the faults it left are taken away at restart.

A latency on the catalog and a stopped catalog stay in place after a SIGKILL of the bot (the
sidecar and the missing process outlive it), and the next start of preprod rolls them back
before it takes any command: the storefront is fast again, the catalog serves again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actions.environments.factory import open_environment
from bot.settings import load_settings
from storage import chaos as chaos_store
from storage import jobs, runs
from storage.store import Store
from tests.chaos.shop_chaos import storefront_ms, write_experiment
from tests.conftest import ROOT, write_config

pytestmark = pytest.mark.slow

_started: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _no_process_outlives_its_test() -> Iterator[None]:
    """A test that fails midway leaves no bot process behind (nor its pipe) for the next test."""
    yield
    while _started:
        proc = _started.pop()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=10)


def _preprod(config: Path, *args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        cwd=config.parent,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    _started.append(proc)
    return proc


def _wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def _kill_mid_experiment(config: Path, store: Store, name: str) -> int:
    """Start `chaos run NAME` in a bot process, SIGKILL it once its fault acts; the run id."""
    proc = _preprod(config, "chaos", "run", name, "local")
    try:
        _wait(
            lambda: any(
                step["rolled_back_at"] is None and '"kind": "undo"' in step["step"]
                for step in store.db.query("SELECT * FROM chaos_undo")
            ),
            60,
            f"{name}'s fault to be applied",
        )
        time.sleep(1.5)  # the fault acts (apply follows the record)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=10)
    run = next(r for r in runs.recent_runs(store, 1))
    assert jobs.get_job(store, run["id"])["status"] == "running"
    return int(run["id"])


def test_rollbacks_left_by_a_killed_bot_run_at_its_restart(tmp_path: Path) -> None:
    chaos_dir = tmp_path / "chaos"
    write_experiment(
        chaos_dir,
        "slow",
        [{"type": "latency", "service": "catalog", "delay": "400ms", "duration": "2m"}],
    )
    write_experiment(
        chaos_dir,
        "down",
        [{"type": "shutdown", "service": "catalog", "duration": "2m"}],
    )
    config = write_config(
        tmp_path,
        chaos={
            "allowed_environments": ["local"],
            "experiments_dir": str(chaos_dir),
            "max_duration": "5m",
            "max_blast_radius": 1.0,
            "approval_role": "engineer",  # a terminal user may approve, from another process
        },
    )
    settings = load_settings(str(config))
    store = Store(settings.resolve(settings.storage.path))
    env = open_environment(settings, "local")
    try:
        deployed = _preprod(config, "deploy", "shop", "1.0")
        out, _ = deployed.communicate(timeout=120)
        assert deployed.returncode == 0, out
        storefront = env.urls()["storefront"]
        assert storefront_ms(storefront) < 200

        # 1. latency: still there after the kill, gone after the restart
        slow_run = _kill_mid_experiment(config, store, "slow")
        assert storefront_ms(storefront) > 350  # the sidecar outlived the bot
        restarted = _preprod(config, "history")
        out, _ = restarted.communicate(timeout=60)
        assert restarted.returncode == 0, out
        assert storefront_ms(storefront) < 200
        [slow] = [
            e
            for e in store.db.query("SELECT * FROM chaos_experiments WHERE run_id = ?", [slow_run])
        ]
        assert slow["status"] == "rolled_back"
        summary = runs.get_run(store, slow_run)["summary"]
        assert "rolled back: latency on catalog: removed" in summary, summary

        # 2. shutdown (approved from a second process): the catalog starts again at restart
        proc = _preprod(config, "chaos", "run", "down", "local")
        _wait(lambda: runs.recent_runs(store, 1)[0]["id"] > slow_run, 30, "the shutdown run")
        down_run = int(runs.recent_runs(store, 1)[0]["id"])
        _wait(
            lambda: any(e["kind"] == "approval_needed" for e in runs.events_of(store, down_run)),
            30,
            "the approval request",
        )
        approve = _preprod(config, "chaos", "approve", str(down_run))
        out, _ = approve.communicate(timeout=60)
        assert approve.returncode == 0, out
        _wait(
            lambda: not next(s for s in env.status().services if s.name == "catalog").healthy,
            30,
            "the catalog to be stopped",
        )
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=10)
        assert not next(s for s in env.status().services if s.name == "catalog").healthy
        restarted = _preprod(config, "status", "local")
        out, _ = restarted.communicate(timeout=90)
        assert restarted.returncode == 0, out
        assert all(s.healthy for s in env.status().services), out
        assert chaos_store.pending_rollbacks(store) == []
        assert "catalog started again" in runs.get_run(store, down_run)["summary"]
    finally:
        env.teardown()
