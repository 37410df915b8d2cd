"""`teardown [env]`: what preprod runs on an environment is stopped, and it says what is left."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.context import RunContext
from actions.deploy import step as deploy_step
from actions.environments import processes
from actions.environments.base import EnvironmentStatus, ServiceStatus
from actions.environments.factory import open_environment
from actions.result import Status
from bot.replies import Caller, Reply
from storage import runs
from storage.store import Store
from tests.chaos.shop_chaos import ENGINEER, deploy, make_bot, start
from tests.conftest import example_settings

pytestmark = pytest.mark.slow
VIEWER = Caller(user="U0VIEW", surface="slack", name="vic")


def _teardown(bot, caller: Caller = ENGINEER) -> dict:  # type: ignore[no-untyped-def]
    run_id = start(bot, "teardown local", caller)
    bot.runner.wait(run_id, timeout=60)
    [result] = runs.results_of(bot.store, run_id)
    return result


def test_teardown_stops_every_service_and_says_what_it_stopped(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    env = open_environment(bot.settings, "local")
    try:
        deploy(bot)
        pids = [s.pid for s in env.status().services]
        assert pids and all(pid and processes.is_running(pid) for pid in pids)

        denied = bot.handle("teardown local", VIEWER)
        assert isinstance(denied, Reply) and denied.kind == "denied"
        assert env.status().healthy  # a viewer stopped nothing

        result = _teardown(bot)
        assert result["status"] == "pass"
        assert result["summary"] == "stopped shop 1.0 on local (catalog, storefront)"
        assert not any(processes.is_running(pid) for pid in pids if pid)
        assert env.status().services == []
        again = _teardown(bot)
        assert again["summary"] == "nothing was running on local"
    finally:
        env.teardown()
        bot.runner.shutdown()


class _Cluster:
    """An environment whose workloads are not preprod's: its teardown leaves them running."""

    name = "staging"

    def status(self) -> EnvironmentStatus:
        return EnvironmentStatus(
            name="staging",
            kind="kubernetes",
            app="shop",
            version="1.1",
            services=[ServiceStatus(name="web", version="1.1", url=None, healthy=True)],
        )

    def teardown(self) -> None:
        return None


def test_what_is_not_preprods_to_stop_is_said_and_left(tmp_path: Path) -> None:
    settings = example_settings(tmp_path)
    ctx = RunContext(
        settings=settings, store=Store(tmp_path / "p.db"), run_id="1", workdir=tmp_path
    )
    result = deploy_step.teardown(env=_Cluster(), ctx=ctx)  # type: ignore[arg-type]
    assert result.status == Status.PASS
    assert result.summary == (
        "nothing of staging's to stop; still running, not preprod's to stop: web"
    )
    assert result.data == {"stopped": [], "left": ["web"]}
