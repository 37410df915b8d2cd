"""The core every surface shares: permissions, audit, background runs, cancel, status."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from actions.context import Event, RunContext
from actions.plan import RunOutcome, RunRequest
from actions.result import Result, Status
from bot.jobs import JobRunner
from bot.replies import Caller, Reply, Started
from bot.service import Preprod
from storage import audit, jobs, runs
from storage.store import Store
from tests.conftest import example_settings

ENGINEER = Caller(user="local:eve", surface="cli", name="eve")
VIEWER = Caller(user="U_VIEW", surface="slack")


def _quick(request: RunRequest, ctx: RunContext) -> RunOutcome:
    ctx.step = request.plan[0]
    ctx.progress("working")
    return RunOutcome(results=[Result(step=request.plan[0], status=Status.PASS, summary="ok")])


def _until_cancelled(request: RunRequest, ctx: RunContext) -> RunOutcome:
    ctx.progress("waiting to be cancelled")
    ctx.cancel_event.wait(20)
    return RunOutcome(cancelled=ctx.cancelled)


@pytest.fixture
def make_bot(tmp_path: Path):
    made: list[Preprod] = []

    def make(executor=_quick, **overrides) -> Preprod:
        settings = example_settings(tmp_path, **overrides)
        store = Store(settings.resolve(settings.storage.path))
        bot = Preprod(settings, store, runner=JobRunner(settings, store, executor=executor))
        made.append(bot)
        return bot

    yield make
    for bot in made:
        bot.runner.shutdown()


def test_a_job_command_starts_a_run_and_audits_before_and_after(make_bot) -> None:
    bot = make_bot()
    events: list[Event] = []
    bot.runner.subscribe(events.append)
    started = bot.handle("deploy shop 1.1", ENGINEER)
    assert isinstance(started, Started)
    bot.runner.wait(started.run_id, timeout=10)
    assert runs.get_run(bot.store, started.run_id)["status"] == "done"
    kinds = [e.kind for e in events]
    assert kinds[0] == "run_created" and kinds[-1] == "run_finished"
    outcomes = [e["outcome"] for e in reversed(audit.entries(bot.store, verb="deploy"))]
    assert outcomes == ["started", "done"]


def test_a_viewer_cannot_deploy_and_the_denial_is_audited(make_bot) -> None:
    bot = make_bot()
    reply = bot.handle("deploy shop 1.1", VIEWER)
    assert isinstance(reply, Reply) and reply.kind == "denied"
    assert "needs the engineer role" in reply.text
    assert runs.recent_runs(bot.store) == []
    assert audit.entries(bot.store)[0]["outcome"] == "denied"


def test_unknown_app_gets_the_nearest_match(make_bot) -> None:
    reply = make_bot().handle("ready shoop 1.1", ENGINEER)
    assert reply.kind == "error" and "Did you mean `shop`?" in reply.text


def test_unknown_environment_gets_the_nearest_match(make_bot) -> None:
    reply = make_bot().handle("ready shop 1.1 --env locall", ENGINEER)
    assert "no environment `locall`. Did you mean `local`?" in reply.text


def test_a_protected_environment_is_read_only(make_bot) -> None:
    bot = make_bot(
        environments={"local": {"kind": "local"}, "prod": {"kind": "local", "protected": True}}
    )
    reply = bot.handle("deploy shop 1.1 --env prod", ENGINEER)
    assert reply.kind == "denied" and "protected" in reply.text


def test_report_path_is_refused_outside_a_terminal(make_bot) -> None:
    caller = Caller(user="U1", surface="slack")
    bot = make_bot(permissions={"roles": {"engineer": {"users": ["U1"]}}})
    reply = bot.handle("ready shop 1.1 --report /etc/passwd", caller)
    assert reply.kind == "error" and "works only in a terminal" in reply.text


def test_cancel_stops_a_running_run(make_bot) -> None:
    bot = make_bot(executor=_until_cancelled)
    started = bot.handle("ready shop 1.1", ENGINEER)
    _wait_for(lambda: jobs.get_job(bot.store, started.run_id)["status"] == "running")
    reply = bot.handle(f"cancel {started.run_id}", ENGINEER)
    assert reply.text == f"cancelling run {started.run_id}…"
    bot.runner.wait(started.run_id, timeout=10)
    assert runs.get_run(bot.store, started.run_id)["status"] == "cancelled"


def test_cancel_of_a_finished_run_says_so(make_bot) -> None:
    bot = make_bot()
    started = bot.handle("deploy shop 1.1", ENGINEER)
    bot.runner.wait(started.run_id, timeout=10)
    assert "is not running (it is done)" in bot.handle(f"cancel {started.run_id}", ENGINEER).text


def test_a_cancel_requested_from_another_process_is_honoured(make_bot) -> None:
    bot = make_bot(executor=_until_cancelled)
    started = bot.handle("ready shop 1.1", ENGINEER)
    _wait_for(lambda: jobs.get_job(bot.store, started.run_id)["status"] == "running")
    other = Store(bot.store.path)
    jobs.request_cancel(other, started.run_id)
    bot.runner.wait(started.run_id, timeout=10)
    assert runs.get_run(bot.store, started.run_id)["status"] == "cancelled"


def test_runs_on_one_environment_wait_for_each_other(make_bot) -> None:
    gate = threading.Event()

    def blocking(request: RunRequest, ctx: RunContext) -> RunOutcome:
        gate.wait(60)  # released by the test; the bound only ends a test that failed
        return RunOutcome()

    bot = make_bot(executor=blocking)
    first = bot.handle("deploy shop 1.0", ENGINEER)
    second = bot.handle("deploy shop 1.1", ENGINEER)
    _wait_for(lambda: jobs.get_job(bot.store, first.run_id)["status"] == "running")
    _wait_for(lambda: jobs.get_job(bot.store, second.run_id)["progress"] is not None)
    assert jobs.get_job(bot.store, second.run_id)["status"] == "queued"
    gate.set()
    bot.runner.wait(second.run_id, timeout=30)
    assert runs.get_run(bot.store, second.run_id)["status"] == "done"


def test_status_of_a_run_lists_its_steps(make_bot) -> None:
    bot = make_bot()
    started = bot.handle("deploy shop 1.1", ENGINEER)
    bot.runner.wait(started.run_id, timeout=10)
    assert bot.handle(f"status {started.run_id}", VIEWER).text.startswith(
        f"run {started.run_id}: deploy shop 1.1 on local: done"
    )


def test_history_lists_recent_runs_newest_first(make_bot) -> None:
    bot = make_bot()
    for version in ("1.0", "1.1"):
        bot.runner.wait(bot.handle(f"deploy shop {version}", ENGINEER).run_id, timeout=10)
    lines = bot.handle("history", VIEWER).text.splitlines()
    assert "deploy   shop 1.1" in lines[0] and "deploy   shop 1.0" in lines[1]


def test_history_limit_is_validated(make_bot) -> None:
    assert "from 1 to 100" in make_bot().handle("history --limit 0", VIEWER).text


def test_help_for_a_verb_shows_usage_and_role(make_bot) -> None:
    text = make_bot().handle("help ready", VIEWER).text
    assert text.startswith("`ready <app> <version>")
    assert "Needs the engineer role." in text


def test_an_internal_error_in_a_run_is_reported_plainly(make_bot) -> None:
    def broken(request: RunRequest, ctx: RunContext) -> RunOutcome:
        raise KeyError("boom")

    bot = make_bot(executor=broken)
    run_id = bot.handle("deploy shop 1.1", ENGINEER).run_id
    bot.runner.wait(run_id, timeout=10)
    run = runs.get_run(bot.store, run_id)
    assert run["status"] == "failed"
    assert run["summary"] == "internal error (KeyError); see the bot's log"


def _wait_for(condition, timeout: float = 30.0) -> None:
    done = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        done.wait(0.05)
    raise AssertionError("condition not met in time")


def test_every_command_is_audited_even_a_read(make_bot) -> None:
    bot = make_bot()
    bot.handle("history --limit 5", VIEWER)
    entry = audit.entries(bot.store)[0]
    assert (entry["user"], entry["surface"], entry["verb"], entry["outcome"]) == (
        "U_VIEW",
        "slack",
        "history",
        "answered",
    )
    assert entry["args"] == ["--limit=5"]


def test_a_run_waits_while_another_process_holds_the_environment(make_bot) -> None:
    bot = make_bot()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"], stdout=subprocess.DEVNULL
    )
    try:
        jobs.lock_environment(bot.store, "local", 999)
        bot.store.db.execute("UPDATE env_locks SET owner_pid = ?", [holder.pid])
        started = bot.handle("deploy shop 1.1", ENGINEER)
        _wait_for(
            lambda: (
                "run 999 is using it" in (jobs.get_job(bot.store, started.run_id)["progress"] or "")
            )
        )
        assert jobs.get_job(bot.store, started.run_id)["status"] == "queued"
    finally:
        holder.kill()
        holder.wait()
    bot.runner.wait(started.run_id, timeout=15)
    assert runs.get_run(bot.store, started.run_id)["status"] == "done"
