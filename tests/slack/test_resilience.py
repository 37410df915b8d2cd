"""Slack being slow, rate-limited or failing never breaks a run, and no traceback reaches chat."""

from __future__ import annotations

import itertools
import logging
import time

from actions.context import RunContext
from actions.plan import RunOutcome, RunRequest
from storage import runs
from tests.slack.conftest import CHANNEL, ENGINEER, quick_run, wait_for_run


def test_a_rate_limited_status_edit_is_retried_after_retry_after(slack_bot) -> None:
    harness = slack_bot()
    harness.fake.rate_limit("chat.update", times=1, retry_after=0)
    harness.command("deploy shop 1.1")
    run_id = wait_for_run(harness.store)
    harness.wait_run(run_id)
    status_ts = harness.wait_status_ts(run_id)
    edits = harness.fake.wait_for("chat.update", count=2)
    assert edits[0].status == 429
    assert edits[1].status == 200 and edits[1].get("ts") == edits[0].get("ts") == status_ts
    assert "preprod_slack_api_errors_total{" not in harness.get("/metrics").text


def test_a_dropped_connection_to_slack_is_retried(slack_bot) -> None:
    harness = slack_bot()
    harness.fake.disconnect("chat.postMessage", times=1)
    harness.command("deploy shop 1.1")
    run_id = wait_for_run(harness.store)
    assert harness.wait_status_ts(run_id)
    posts = harness.fake.calls("chat.postMessage")
    assert posts[0].status == 0 and posts[1].status == 200


def test_slack_failing_every_call_never_fails_the_run(slack_bot) -> None:
    harness = slack_bot()
    for method in ("chat.postMessage", "chat.update"):
        harness.fake.fail(method, "fatal_error")
    harness.command("deploy shop 1.1")
    run_id = wait_for_run(harness.store)
    assert harness.wait_run(run_id)["status"] == "done"
    assert runs.get_run(harness.store, run_id)["status"] == "done"
    errors = harness.get("/metrics").text
    assert 'preprod_slack_api_errors_total{error="fatal_error",method="chat.postMessage"}' in errors


def test_progress_bursts_are_coalesced_into_few_edits(slack_bot) -> None:
    def chatty(request: RunRequest, ctx: RunContext) -> RunOutcome:
        ctx.step = "deploy"
        for i in range(200):
            ctx.progress(f"tick {i}")
            time.sleep(0.005)
        return quick_run(request, ctx)

    harness = slack_bot(chatty, update_interval=1.0)
    harness.command("deploy shop 1.1")
    run_id = wait_for_run(harness.store)
    harness.wait_run(run_id)
    status_ts = harness.wait_status_ts(run_id)
    edits = harness.fake.wait_for(lambda c: c.method == "chat.update" and "done" in c.text)
    all_edits = [c for c in harness.fake.calls("chat.update") if c.get("ts") == status_ts]
    assert len(all_edits) <= 4, [c.at for c in all_edits]
    gaps = [b.at - a.at for a, b in itertools.pairwise(all_edits[:-1])]  # the last is forced
    assert all(gap >= 0.9 for gap in gaps)
    assert "preprod_cancel" not in str(edits[-1].get("blocks")), "the final state is written"


def test_an_unexpected_error_is_answered_with_a_ref_and_logged_with_its_traceback(
    slack_bot, caplog
) -> None:
    def broken(settings, name):
        raise RuntimeError("the environment module has a bug")

    harness = slack_bot(env_factory=broken)
    caplog.set_level(logging.ERROR, logger="bot.slack")
    harness.command("status local", user=ENGINEER)
    reply = harness.fake.wait_for("response_url")[0]
    assert "Something went wrong" in reply.text and "ref" in reply.text
    assert "Traceback" not in reply.text and "RuntimeError" not in reply.text
    ref = reply.text.split("ref `")[1].split("`")[0]
    logged = next(r for r in caplog.records if ref in r.getMessage())
    assert logged.exc_info and "has a bug" in str(logged.exc_info[1])
    assert harness.fake.calls("chat.postMessage") == []


def test_an_unexpected_error_in_a_mention_is_answered_in_its_thread(slack_bot) -> None:
    def broken(settings, name):
        raise RuntimeError("boom")

    harness = slack_bot(env_factory=broken)
    harness.mention("<@UBOT> status local")
    reply = harness.fake.wait_for("chat.postMessage")[0]
    assert reply.get("channel") == CHANNEL and reply.get("thread_ts")
    assert "Something went wrong" in reply.text and "RuntimeError" not in reply.text


def test_an_error_before_the_ack_is_answered_in_the_ack_with_a_ref(slack_bot, caplog) -> None:
    harness = slack_bot()

    def broken(text, caller, **binding):
        raise RuntimeError("a bug in the core")

    harness.bot.handle = broken
    caplog.set_level(logging.ERROR, logger="bot.slack")
    response = harness.command("help")
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral" and "Something went wrong" in body["text"]
    assert "a bug in the core" not in response.text
    assert any(r.exc_info and "a bug in the core" in str(r.exc_info[1]) for r in caplog.records)
