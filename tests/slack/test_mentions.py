"""`@preprod` in a channel or a run's thread: answered in a thread, bare `status` about that run."""

from __future__ import annotations

import json

from storage import jobs
from tests.slack.conftest import (
    CHANNEL,
    ENGINEER,
    VIEWER,
    signed_headers,
    until_cancelled,
    wait_for_run,
)


def test_status_said_in_a_runs_thread_answers_for_that_run(slack_bot) -> None:
    harness = slack_bot(until_cancelled())
    harness.command("deploy shop 1.1")
    run_id = wait_for_run(harness.store)
    status_ts = harness.wait_status_ts(run_id)
    harness.wait_run(run_id, "running")
    assert harness.mention("<@UBOT> status", thread_ts=status_ts, user=VIEWER).status_code == 200
    answer = harness.fake.wait_for(
        lambda c: c.method == "chat.postMessage" and f"run {run_id}: deploy shop 1.1" in c.text
    )[0]
    assert answer.get("thread_ts") == status_ts and answer.get("channel") == CHANNEL
    harness.bot.runner.cancel(run_id)
    harness.wait_run(run_id)


def test_a_command_mentioned_in_a_channel_is_answered_in_a_thread_under_it(slack_bot) -> None:
    harness = slack_bot()
    body = harness.event_body("<@UBOT> history")
    harness.post(body, signed_headers(body, json_body=True))
    answer = harness.fake.wait_for("chat.postMessage")[0]
    assert answer.get("thread_ts") == json.loads(body)["event"]["ts"]
    assert "no runs yet" in answer.text


def test_a_run_started_by_mention_reports_in_the_mentions_thread(slack_bot) -> None:
    harness = slack_bot()
    harness.mention("<@UBOT> deploy shop 1.1")
    run_id = wait_for_run(harness.store)
    harness.wait_run(run_id)
    status_ts = harness.wait_status_ts(run_id)
    job = jobs.get_job(harness.store, run_id)
    assert job["thread_ts"] != status_ts, "the status message is a reply in the mention's thread"
    status = harness.fake.calls("chat.postMessage")[0]
    assert status.get("thread_ts") == job["thread_ts"]
    assert jobs.job_for_thread(harness.store, CHANNEL, job["thread_ts"])["run_id"] == run_id


def test_who_mentioned_the_bot_is_named_once_an_hour_and_by_id_when_slack_cannot_say(
    slack_bot,
) -> None:
    harness = slack_bot()
    harness.fake.people[VIEWER] = "Vic Viewer"
    for _ in range(3):
        harness.mention("<@UBOT> history", user=VIEWER)
    harness.fake.wait_for("chat.postMessage", count=3)
    assert len(harness.fake.calls("users.info")) == 1
    harness.fake.fail("users.info", "missing_scope")  # an app installed before users:read
    harness.mention("<@UBOT> history", user=ENGINEER)
    harness.fake.wait_for("chat.postMessage", count=4)
    rows = harness.store.db.query("SELECT user FROM audit WHERE verb = 'history' ORDER BY id")
    assert [r["user"] for r in rows] == [VIEWER] * 3 + [ENGINEER]  # the audit keeps the id
