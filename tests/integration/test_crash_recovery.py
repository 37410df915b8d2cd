"""A bot killed in the middle of a run: on restart the run is closed as interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from actions.environments.factory import open_environment
from bot.settings import load_settings
from storage import jobs, runs
from storage.store import Store
from tests.conftest import ROOT, write_config

pytestmark = pytest.mark.slow


def _preprod(config: Path, *args: str, output: int = subprocess.PIPE) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        cwd=config.parent,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def test_a_run_killed_mid_way_is_marked_interrupted_on_restart(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    settings = load_settings(str(config))
    store = Store(settings.resolve(settings.storage.path))
    proc = _preprod(config, "ready", "shop", "1.1", output=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            steps = runs.steps_of(store, 1) if runs.get_run(store, 1) else []
            if any(s["name"] == "e2e" for s in steps):
                break
            time.sleep(0.1)
        else:
            pytest.fail("the run never reached its e2e step")
        assert jobs.get_job(store, 1)["status"] == "running"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        assert jobs.get_job(store, 1)["status"] == "running"

        restarted = _preprod(config, "history")
        out, _ = restarted.communicate(timeout=60)
        assert restarted.returncode == 0, out
        assert "interrupted" in next(line for line in out.splitlines() if line.startswith("#1"))
        assert jobs.get_job(store, 1)["status"] == "interrupted"
        assert runs.get_run(store, 1)["summary"].startswith("interrupted")
        assert runs.events_of(store, 1)[-1]["kind"] == "run_finished"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        open_environment(settings, "local").teardown()
        store.close()
