"""A real readiness run of examples/shop 1.1 from Slack: slash command to verdict and report."""

from __future__ import annotations

import itertools

import pytest

from actions.environments.factory import open_environment
from storage import runs
from tests.slack.conftest import CHANNEL, ENGINEER, wait_for_run

pytestmark = pytest.mark.slow


def test_ready_shop_1_1_over_slack_ends_in_a_no_go_verdict_and_a_report(slack_bot) -> None:
    harness = slack_bot(None, update_interval=3.0)
    try:
        response = harness.command("ready shop 1.1", user=ENGINEER)
        assert response.status_code == 200 and response.elapsed.total_seconds() < 3
        run_id = wait_for_run(harness.store)
        status_ts = harness.wait_status_ts(run_id)
        job = harness.wait_run(run_id, timeout=300)
        assert job["status"] == "done"

        run = runs.get_run(harness.store, run_id)
        assert run["verdict"] == "no-go"
        verdict = harness.fake.wait_for(
            lambda c: c.method == "chat.postMessage" and "Verdict for run" in c.text, timeout=30
        )[0]
        assert verdict.get("thread_ts") == status_ts and "NO-GO" in verdict.text
        upload = harness.fake.wait_for("files.completeUploadExternal", timeout=30)[0]
        assert upload.get("thread_ts") == status_ts
        harness.fake.wait_for("files.completeUploadExternal", timeout=30, count=3)
        html, report, chart = (c.body for c in harness.fake.calls("upload")[:3])
        assert html.startswith(b"<!doctype html>") and b"data:image/png;base64," in html
        assert "no-go" in report.decode().lower()
        assert "![load.png](load.png)" in report.decode()
        assert chart.startswith(b"\x89PNG"), "the load chart is uploaded to the thread"

        replies = harness.fake.thread(CHANNEL, status_ts)
        for step in ("deploy", "e2e", "load", "report"):
            assert any(f"*{step}*" in str(m["blocks"]) for m in replies), step
        final = harness.fake.message(CHANNEL, status_ts)
        assert "preprod_cancel" not in str(final["blocks"]) and "no-go" in str(final["blocks"])
        edits = [c for c in harness.fake.calls("chat.update") if c.get("ts") == status_ts]
        gaps = [b.at - a.at for a, b in itertools.pairwise(edits[:-1])]  # the last is forced
        assert all(gap >= 2.5 for gap in gaps), "at most one edit every ~3 s"
    finally:
        open_environment(harness.bot.settings, "local").teardown()
