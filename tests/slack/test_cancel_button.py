"""The Cancel button on a run's status message: checked against roles, gone when the run ends."""

from __future__ import annotations

import time

from storage import audit, jobs, runs
from tests.slack.conftest import CHANNEL, ENGINEER, VIEWER, until_cancelled, wait_for_run


def _start(harness) -> tuple[int, str]:
    harness.command("deploy shop 1.1")
    run_id = wait_for_run(harness.store)
    harness.wait_run(run_id, "running")
    return run_id, harness.wait_status_ts(run_id)


def test_the_status_message_carries_a_cancel_button_for_its_run(slack_bot) -> None:
    harness = slack_bot(until_cancelled())
    run_id, status_ts = _start(harness)
    status = harness.fake.message(CHANNEL, status_ts)
    button = next(e for b in status["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert button["action_id"] == "preprod_cancel" and button["value"] == str(run_id)
    harness.bot.runner.cancel(run_id)
    harness.wait_run(run_id)


def test_a_viewer_clicking_cancel_is_refused_and_the_run_goes_on(slack_bot) -> None:
    harness = slack_bot(until_cancelled())
    run_id, status_ts = _start(harness)
    assert harness.click_cancel(run_id, user=VIEWER, status_ts=status_ts).status_code == 200
    refusal = harness.fake.wait_for("response_url")[0]
    assert refusal.get("response_type") == "ephemeral"
    assert refusal.get("replace_original") is False
    assert "`cancel` needs the engineer role" in refusal.text
    time.sleep(0.5)
    assert jobs.get_job(harness.store, run_id)["status"] == "running"
    assert audit.entries(harness.store, verb="cancel")[0]["outcome"] == "denied"
    harness.bot.runner.cancel(run_id)
    harness.wait_run(run_id)


def test_an_engineer_clicking_cancel_stops_the_run_and_the_button_goes(slack_bot) -> None:
    harness = slack_bot(until_cancelled())
    run_id, status_ts = _start(harness)
    harness.click_cancel(run_id, user=ENGINEER, status_ts=status_ts)
    assert harness.wait_run(run_id)["status"] == "cancelled"
    assert runs.get_run(harness.store, run_id)["status"] == "cancelled"
    ack = harness.fake.wait_for("response_url")[0]
    assert f"cancelling run {run_id}" in ack.text

    def final_edit(c) -> bool:
        return c.method == "chat.update" and c.get("ts") == status_ts and "cancelled" in c.text

    last = harness.fake.wait_for(final_edit)[-1]
    assert "preprod_cancel" not in str(last.get("blocks"))
    assert "preprod_cancel" not in str(harness.fake.message(CHANNEL, status_ts)["blocks"])
    ended = harness.fake.wait_for(
        lambda c: (
            c.method == "chat.postMessage"
            and c.get("thread_ts") == status_ts
            and "cancelled" in c.text
        )
    )
    assert ended


def test_a_click_on_a_finished_run_says_there_is_nothing_to_cancel(slack_bot) -> None:
    harness = slack_bot()
    harness.command("deploy shop 1.1")
    run_id = wait_for_run(harness.store)
    harness.wait_run(run_id)
    harness.click_cancel(run_id, user=ENGINEER)
    reply = harness.fake.wait_for("response_url")[0]
    assert f"run {run_id} is not running" in reply.text


def test_a_button_without_a_run_id_is_answered_plainly(slack_bot) -> None:
    harness = slack_bot()
    harness.click_cancel("not-a-run", user=ENGINEER)
    reply = harness.fake.wait_for("response_url")[0]
    assert "does not name a run" in reply.text
