"""The serve port also answers /healthz and /metrics (the bot's own Prometheus metrics)."""

from __future__ import annotations

import json
import time
import urllib.parse

from storage import runs
from tests.slack.conftest import VIEWER, signed_headers, wait_for_run


def test_healthz_reports_ok_with_the_database_status(slack_bot) -> None:
    response = slack_bot().get("/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"ok": True, "db": "ok", "mode": "http", "active_jobs": 0}


def test_metrics_count_commands_by_verb_and_outcome(slack_bot) -> None:
    harness = slack_bot()
    harness.command("redy shop 1.1")
    harness.command("deploy shop 1.1", user=VIEWER)
    harness.command("deploy shop 1.1")
    harness.fake.wait_for("response_url")
    harness.wait_run(wait_for_run(harness.store))
    expected = [
        'preprod_commands_total{outcome="error",source="command",verb="invalid"} 1.0',
        'preprod_commands_total{outcome="denied",source="command",verb="deploy"} 1.0',
        'preprod_commands_total{outcome="started",source="command",verb="deploy"} 1.0',
        'preprod_slack_ack_seconds_count{kind="command"} 3.0',
        "preprod_active_jobs 0.0",
    ]
    # The work pool counts a started run after handing it off: allow it a moment.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        text = harness.get("/metrics").text
        if all(line in text for line in expected):
            break
        time.sleep(0.05)
    for line in expected:
        assert line in text


def test_each_app_has_its_own_metrics(slack_bot) -> None:
    first, second = slack_bot(), slack_bot()
    first.command("help")
    assert 'verb="help"' in first.get("/metrics").text
    assert 'verb="help"' not in second.get("/metrics").text


def test_an_unknown_path_is_a_404(slack_bot) -> None:
    harness = slack_bot()
    assert harness.get("/nothing").status_code == 404
    assert harness.get("/slack/events").status_code == 404  # Slack only POSTs


def test_an_oversized_body_is_refused_before_bolt_reads_it(slack_bot) -> None:
    harness = slack_bot()
    response = harness.post(b"x" * (2 * 1024 * 1024), {"Content-Type": "text/plain"})
    assert response.status_code == 413


def test_slacks_url_verification_is_answered_with_its_challenge(slack_bot) -> None:
    """The first request Slack sends when the Events request URL is set in the app's settings."""
    body = json.dumps(
        {
            "token": "legacy",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    ).encode()
    harness = slack_bot()
    answer = harness.post(body, signed_headers(body, json_body=True))
    assert answer.status_code == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in answer.text
    forged = harness.post(body, signed_headers(body, json_body=True, secret="not-the-secret"))
    assert forged.status_code == 401


def test_slacks_ssl_check_of_the_slash_command_is_answered(slack_bot) -> None:
    """Slack checks the slash command's certificate with `ssl_check=1` (nothing to run)."""
    body = urllib.parse.urlencode({"ssl_check": "1", "token": "legacy"}).encode()
    harness = slack_bot()
    answer = harness.post(body, signed_headers(body))
    assert answer.status_code == 200
    assert runs.recent_runs(harness.store, 5) == []
