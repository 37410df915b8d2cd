"""`scan` on the shop as deployed: the release's source and its endpoints, end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from actions.environments.factory import open_environment
from bot.jobs import JobRunner
from bot.replies import Caller, Started
from bot.service import Preprod
from storage import runs
from storage.store import Store
from tests.conftest import example_settings

ENGINEER = Caller(user="local:eve", surface="cli", name="eve")


@pytest.fixture
def bot(tmp_path: Path):
    settings = example_settings(tmp_path)
    settings.environments["local"].teardown_after_run = False
    store = Store(settings.resolve(settings.storage.path))
    made = Preprod(settings, store, runner=JobRunner(settings, store))
    yield made
    made.runner.shutdown()
    open_environment(settings, "local").teardown()


def run(bot: Preprod, command: str) -> dict[str, Any]:
    started = bot.handle(command, ENGINEER)
    assert isinstance(started, Started), started
    bot.runner.wait(started.run_id, timeout=180)
    return next(r for r in runs.results_of(bot.store, started.run_id))


def test_scan_checks_the_deployed_release_and_its_endpoints(bot: Preprod) -> None:
    run(bot, "deploy shop 1.0")

    result = run(bot, "scan local")

    assert result["step"] == "scan"
    scanners = result["data"]["scanners"]
    assert set(scanners) == {"sast", "secrets", "endpoints", "dependencies"}
    # The shop sends its security headers and hides errors; its source has nothing planted.
    assert scanners["endpoints"]["status"] == "ok", scanners["endpoints"]
    assert scanners["sast"]["status"] == "ok" and scanners["secrets"]["status"] == "ok"
    assert scanners["endpoints"]["counts"] == {} and scanners["sast"]["counts"] == {}
    assert result["status"] in ("pass", "warn")  # warn only if an audit was skipped
    assert "bandit: none" in result["summary"] and "endpoints: none" in result["summary"]


def test_scan_without_a_deployed_release_says_so(bot: Preprod) -> None:
    result = run(bot, "scan local")
    assert result["status"] == "skipped"
    assert result["summary"] == "skipped: nothing is deployed on local"
