"""Only Slack may talk to the bot, and a delivery Slack sends again never acts twice."""

from __future__ import annotations

import time

from tests.slack.conftest import run_ids, signed_headers, wait_for_run


def test_a_forged_signature_is_rejected_and_does_nothing(slack_bot) -> None:
    harness = slack_bot()
    body = harness.command_body("deploy shop 1.1")
    response = harness.post(body, signed_headers(body, secret="not-the-signing-secret"))
    assert response.status_code == 401
    time.sleep(0.3)
    assert run_ids(harness.store) == []
    assert [c.method for c in harness.fake.calls()] == ["auth.test"]


def test_a_body_changed_after_signing_is_rejected(slack_bot) -> None:
    harness = slack_bot()
    headers = signed_headers(harness.command_body("status"))
    response = harness.post(harness.command_body("deploy shop 1.1"), headers)
    assert response.status_code == 401


def test_a_request_signed_ten_minutes_ago_is_rejected(slack_bot) -> None:
    harness = slack_bot()
    body = harness.command_body("deploy shop 1.1")
    response = harness.post(body, signed_headers(body, timestamp=int(time.time()) - 600))
    assert response.status_code == 401
    time.sleep(0.3)
    assert run_ids(harness.store) == []


def test_an_unsigned_request_is_rejected(slack_bot) -> None:
    harness = slack_bot()
    body = harness.command_body("help")
    response = harness.post(body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 401


def test_a_retried_slash_command_runs_once(slack_bot) -> None:
    harness = slack_bot()
    body = harness.command_body("deploy shop 1.1", trigger_id="trigger-once")
    assert harness.post(body, signed_headers(body)).status_code == 200
    retry = {**signed_headers(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"}
    again = harness.post(body, retry)
    assert again.status_code == 200 and again.text == ""
    run_id = wait_for_run(harness.store)
    harness.wait_run(run_id)
    time.sleep(0.3)
    assert run_ids(harness.store) == [run_id]


def test_a_retried_mention_event_runs_once(slack_bot) -> None:
    harness = slack_bot()
    body = harness.event_body("<@UBOT> deploy shop 1.1", event_id="Ev0RETRIED")
    assert harness.post(body, signed_headers(body, json_body=True)).status_code == 200
    retry = {**signed_headers(body, json_body=True), "X-Slack-Retry-Num": "2"}
    assert harness.post(body, retry).status_code == 200
    run_id = wait_for_run(harness.store)
    harness.wait_run(run_id)
    time.sleep(0.3)
    assert run_ids(harness.store) == [run_id]


def test_a_repeated_button_click_delivery_acts_once(slack_bot) -> None:
    harness = slack_bot()
    body = harness.click_body(99, user="U0VIEWER")
    assert harness.post(body, signed_headers(body)).status_code == 200
    assert harness.post(body, {**signed_headers(body), "X-Slack-Retry-Num": "1"}).status_code == 200
    harness.fake.wait_for("response_url")
    time.sleep(0.3)
    assert len(harness.fake.calls("response_url")) == 1
