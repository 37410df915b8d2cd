"""`/preprod` over real HTTP: acked at once, the run in one thread, answers where they belong."""

from __future__ import annotations

import threading
import time

from storage import audit, jobs, runs
from tests.fakes.slack_api import Call
from tests.slack.conftest import (
    CHANNEL,
    ENGINEER,
    GROUPIE,
    NO_GROUPS,
    VIEWER,
    readiness_run,
    run_ids,
    until_cancelled,
    wait_for_run,
)


def _in_thread(ts: str):
    return lambda c: c.method == "chat.postMessage" and c.get("thread_ts") == ts


def test_a_job_command_is_acked_within_3_seconds_while_the_job_keeps_running(slack_bot) -> None:
    harness = slack_bot(until_cancelled())
    started = time.perf_counter()
    response = harness.command("deploy shop 1.1")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed < 3.0
    run_id = wait_for_run(harness.store)
    harness.wait_run(run_id, "running")
    time.sleep(0.3)
    assert jobs.get_job(harness.store, run_id)["status"] == "running"
    harness.bot.runner.cancel(run_id)
    harness.wait_run(run_id)


def test_the_ack_does_not_wait_for_the_work(slack_bot) -> None:
    hold = threading.Event()
    harness = slack_bot(readiness_run(hold))
    started = time.perf_counter()
    assert harness.command("ready shop 1.1").status_code == 200
    assert time.perf_counter() - started < 3.0  # Slack's limit; the work is held until released
    run_id = wait_for_run(harness.store)
    harness.wait_run(run_id, "running")
    assert runs.get_run(harness.store, run_id)["finished_at"] is None
    hold.set()
    harness.wait_run(run_id)


def test_a_run_reports_in_one_thread_under_its_status_message(slack_bot) -> None:
    hold = threading.Event()
    harness = slack_bot(readiness_run(hold))
    harness.command("ready shop 1.1")
    run_id = wait_for_run(harness.store)
    status_ts = harness.wait_status_ts(run_id)
    first = harness.fake.calls("chat.postMessage")[0]
    assert first.get("ts") is None and first.get("thread_ts") is None
    assert first.get("channel") == CHANNEL
    assert "preprod run #" in first.text and "Cancel" in first.text
    harness.fake.wait_for(lambda c: c.method == "chat.update" and "deploy: working" in c.text)
    hold.set()
    harness.wait_run(run_id)

    steps = harness.fake.wait_for(_in_thread(status_ts), count=5)
    texts = [c.text for c in steps]
    assert any("deploy" in t and ":white_check_mark:" in t for t in texts)
    assert any("e2e" in t and ":x:" in t for t in texts)
    assert any("&lt;checkout &amp; pay&gt;" in t for t in texts), "log text is mrkdwn-escaped"
    verdict = next(c for c in steps if "Verdict for run" in c.text)
    assert "NO-GO" in verdict.text and verdict.get("blocks")[0]["type"] == "header"
    final = harness.fake.message(CHANNEL, status_ts)
    assert "done" in str(final["blocks"]) and "preprod_cancel" not in str(final["blocks"])


def test_the_readiness_report_is_uploaded_to_the_thread_in_three_calls(slack_bot) -> None:
    harness = slack_bot(readiness_run())
    harness.command("ready shop 1.1")
    run_id = wait_for_run(harness.store)
    status_ts = harness.wait_status_ts(run_id)
    complete = harness.fake.wait_for("files.completeUploadExternal", count=2)[1]
    get_url = harness.fake.calls("files.getUploadURLExternal")[1]
    upload = harness.fake.calls("upload")[1]  # the HTML page first, then the Markdown
    assert get_url.at <= upload.at <= complete.at
    assert b"Verdict: **no-go**" in upload.body
    assert complete.get("channel_id") == CHANNEL and complete.get("thread_ts") == status_ts
    assert get_url.get("filename") == f"preprod-run-{run_id}-shop-1.1-readiness.md"


def test_a_usage_error_is_answered_in_the_ack_with_the_nearest_verb(slack_bot) -> None:
    harness = slack_bot()
    response = harness.command("redy shop 1.1")
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert "Did you mean `ready`?" in body["text"]
    assert run_ids(harness.store) == []
    assert harness.fake.calls("chat.postMessage") == []


def test_help_is_answered_in_the_ack(slack_bot) -> None:
    body = slack_bot().command("help ready").json()
    assert body["response_type"] == "ephemeral"
    assert "ready &lt;app&gt; &lt;version&gt;" in str(body["blocks"]), "escaped for mrkdwn"


def test_a_viewer_trying_to_deploy_gets_a_plain_denial_and_nothing_starts(slack_bot) -> None:
    harness = slack_bot()
    response = harness.command("deploy shop 1.1", user=VIEWER)
    assert response.status_code == 200
    reply = harness.fake.wait_for("response_url")[0]
    assert reply.get("response_type") == "ephemeral"
    assert "`deploy` needs the engineer role; you have the viewer role" in reply.text
    time.sleep(0.2)
    assert run_ids(harness.store) == []
    assert harness.fake.calls("chat.postMessage") == []
    assert audit.entries(harness.store)[0]["outcome"] == "denied"


def test_a_denial_no_user_group_could_change_is_answered_in_the_ack(slack_bot) -> None:
    harness = slack_bot(permissions=NO_GROUPS)
    body = harness.command("deploy shop 1.1", user=VIEWER).json()
    assert "needs the engineer role" in body["text"]
    assert harness.fake.calls("usergroups.users.list") == []


def test_a_role_granted_through_a_user_group_works(slack_bot) -> None:
    harness = slack_bot()
    harness.command("deploy shop 1.1", user=GROUPIE)
    run_id = wait_for_run(harness.store)
    assert runs.get_run(harness.store, run_id)["requested_by"] == GROUPIE.lower()
    lookups = harness.fake.calls("usergroups.users.list")
    assert [c.get("usergroup") for c in lookups] == ["S0QA"]
    harness.wait_run(run_id)


def test_user_group_membership_is_cached(slack_bot) -> None:
    harness = slack_bot()
    for _ in range(3):
        harness.command("history", user=GROUPIE)
    harness.fake.wait_for("response_url", count=3)
    assert len(harness.fake.calls("usergroups.users.list")) == 1


def test_a_failed_group_lookup_means_no_group_role(slack_bot) -> None:
    harness = slack_bot()
    harness.fake.fail("usergroups.users.list", "missing_scope")
    harness.command("deploy shop 1.1", user=GROUPIE)
    reply = harness.fake.wait_for("response_url")[0]
    assert "needs the engineer role" in reply.text
    assert run_ids(harness.store) == []


def test_a_read_command_is_answered_privately_to_whoever_asked(slack_bot) -> None:
    harness = slack_bot()
    harness.command("history")
    reply: Call = harness.fake.wait_for("response_url")[0]
    assert reply.get("response_type") == "ephemeral"
    assert "no runs yet" in reply.text


def test_a_channel_the_bot_is_not_in_gets_a_private_note_instead_of_a_thread(slack_bot) -> None:
    harness = slack_bot()
    harness.fake.fail("chat.postMessage", "not_in_channel")
    harness.command("deploy shop 1.1", user=ENGINEER)
    run_id = wait_for_run(harness.store)
    note = harness.fake.wait_for("response_url")[0]
    assert f"run {run_id} started" in note.text and "/invite @preprod" in note.text
    harness.wait_run(run_id)
    assert runs.get_run(harness.store, run_id)["status"] == "done"
