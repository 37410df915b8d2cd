"""A readiness run's report in its Slack thread, over Slack's HTTP API: the verdict with Approve
and Reject buttons, the HTML and Markdown files, refusals said only to who clicked, decisions
said in the thread, a quorum of two seats, reasons asked in a modal, and failure notices routed
to the owning team's channel and to Microsoft Teams."""

from __future__ import annotations

import json
from typing import Any

import pytest

from storage import approvals
from tests.fakes.teams_webhook import FakeTeams
from tests.slack.conftest import ADMIN, CHANNEL, ENGINEER, PERMISSIONS, VIEWER, readiness_run

APPROVE, REJECT = "preprod_report_approve", "preprod_report_reject"
RM, QA = "U0RM", "U0QALEAD"
ROLES = {
    **PERMISSIONS,
    "roles": {**PERMISSIONS["roles"], "release-manager": {"users": [RM], "groups": []}},
}
QUORUM = {
    "seats": [
        {"name": "QA lead", "users": [QA]},
        {"name": "release manager", "role": "release-manager"},
    ]
}


def _finished(harness: Any) -> tuple[int, Any]:
    """Start a readiness run from the slash command; return it and its verdict message."""
    harness.command("ready shop 1.1", user=ENGINEER)
    verdict = harness.fake.wait_for(
        lambda c: c.method == "chat.postMessage" and "Verdict for run" in str(c.get("blocks"))
    )[0]
    run_id = int(verdict.get("text").split("#")[1].split()[0])
    harness.wait_run(run_id)
    harness.fake.wait_for("files.completeUploadExternal", count=2)  # HTML and Markdown: all said
    return run_id, verdict


def _thread_says(harness: Any, text: str) -> Any:
    return harness.fake.wait_for(lambda c: c.method == "chat.postMessage" and text in c.text)[-1]


def test_the_report_is_posted_with_its_files_and_buttons(slack_bot) -> None:
    harness = slack_bot(readiness_run(verdict="go"), permissions=ROLES)
    run_id, verdict = _finished(harness)
    assert verdict.get("thread_ts") == harness.wait_status_ts(run_id)
    buttons = [e for b in verdict.get("blocks") for e in b.get("elements", []) if "action_id" in e]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (APPROVE, str(run_id)),
        (REJECT, str(run_id)),
    ]
    harness.fake.wait_for("files.completeUploadExternal", count=2)
    names = sorted(u["filename"] for u in harness.fake.uploads.values())
    assert names == [
        f"preprod-run-{run_id}-shop-1.1-readiness.html",
        f"preprod-run-{run_id}-shop-1.1-readiness.md",
    ]


def test_an_unauthorised_click_is_refused_to_its_clicker_only(slack_bot) -> None:
    harness = slack_bot(readiness_run(verdict="go"), permissions=ROLES)
    run_id, _ = _finished(harness)
    for user in (VIEWER, ENGINEER):
        harness.click(run_id, user=user, action_id=APPROVE)
        refusal = harness.fake.wait_for(
            lambda c: c.method == "response_url" and "needs a seat" in c.text,
            count=2 if user == ENGINEER else 1,
        )[-1]
        assert refusal.get("response_type") == "ephemeral"
    assert approvals.decisions(harness.store, run_id, "report") == []


def test_a_quorum_of_two_seats_is_honoured_and_said_in_the_thread(slack_bot) -> None:
    harness = slack_bot(readiness_run(verdict="go"), permissions=ROLES, approval=QUORUM)
    run_id, verdict = _finished(harness)
    harness.click(run_id, user=RM, action_id=APPROVE)
    first = _thread_says(harness, "waiting for QA lead (1 of 2 approvals)")
    assert first.get("channel") == CHANNEL and first.get("thread_ts") == verdict.get("thread_ts")
    harness.click(run_id, user=QA, action_id=APPROVE)
    done = _thread_says(harness, "is approved (QA lead: u0qalead, release manager: u0rm)")
    assert done.get("thread_ts") == verdict.get("thread_ts")
    recorded = approvals.decisions(harness.store, run_id, "report")
    assert [(d["user"], d["name"], d["seats"]) for d in recorded] == [
        ("U0RM", "u0rm", ["release manager"]),
        ("U0QALEAD", "u0qalead", ["QA lead"]),
    ]


def test_one_person_fills_one_seat_however_they_decide(slack_bot) -> None:
    """A click carries the handle, a mention only the user id: still one person, one seat."""
    both = {"seats": [{"name": "QA lead", "users": [RM]}, QUORUM["seats"][1]]}
    harness = slack_bot(readiness_run(verdict="go"), permissions=ROLES, approval=both)
    run_id, verdict = _finished(harness)
    harness.click(run_id, user=RM, action_id=APPROVE)
    _thread_says(harness, "(1 of 2 approvals)")
    harness.mention("<@UBOT> approve", user=RM, thread_ts=verdict.get("thread_ts"))
    said = _thread_says(harness, f"U0RM approved run {run_id}'s report")
    assert [d["user"] for d in approvals.decisions(harness.store, run_id, "report")] == [RM, RM]
    assert "(1 of 2 approvals)" in said.text and "is approved" not in said.text


def test_reject_asks_why_in_a_modal_and_records_the_reason(slack_bot) -> None:
    harness = slack_bot(readiness_run(verdict="go with risk"), permissions=ROLES)
    run_id, _ = _finished(harness)
    harness.click(run_id, user=RM, action_id=REJECT)
    opened = harness.fake.wait_for("views.open")[0]
    view = opened.get("view")
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "preprod_report_reject"
    assert json.loads(view["private_metadata"])["run"] == run_id
    said = "p95 regressed on checkout; it's 'too slow'"
    answered = harness.submit_view(view, user=RM, values={"reason": {"reason_input": said}})
    assert answered.status_code == 200
    _thread_says(harness, "u0rm rejected run")
    [decision] = approvals.decisions(harness.store, run_id, "report")
    assert (decision["decision"], decision["reason"]) == ("reject", said)


def test_approving_a_no_go_asks_for_an_override_reason_first(slack_bot) -> None:
    harness = slack_bot(readiness_run(verdict="no-go"), permissions=ROLES)
    run_id, verdict = _finished(harness)
    elements = [e for b in verdict.get("blocks") for e in b.get("elements", [])]
    labels = [e["text"]["text"] for e in elements if e.get("type") == "button"]
    assert "Approve anyway…" in labels
    harness.click(run_id, user=ADMIN, action_id=APPROVE)
    view = harness.fake.wait_for("views.open")[0].get("view")
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "preprod_report_override"
    assert approvals.decisions(harness.store, run_id, "report") == []  # nothing before the why
    reason = {"reason": {"reason_input": "checkout flag stays off in production"}}
    harness.submit_view(view, user=ADMIN, values=reason)
    _thread_says(harness, "overriding the no-go verdict: checkout flag stays off in production")
    [decision] = approvals.decisions(harness.store, run_id, "report")
    assert decision["override"] == "checkout flag stays off in production"


def test_a_typed_approve_is_said_in_the_run_thread(slack_bot) -> None:
    harness = slack_bot(readiness_run(verdict="go"), permissions=ROLES)
    run_id, verdict = _finished(harness)
    harness.command(f"approve {run_id}", user=RM)
    said = _thread_says(harness, f"u0rm approved run {run_id}'s report")
    assert said.get("thread_ts") == verdict.get("thread_ts")


def test_a_typed_reject_is_read_as_typed_not_as_slack_sends_it(slack_bot) -> None:
    """macOS turns `--` into an em dash; Slack sends `>` and `&` as `&gt;` and `&amp;`."""
    harness = slack_bot(readiness_run(verdict="go"), permissions=ROLES)
    run_id, _ = _finished(harness)
    harness.command(f"reject {run_id} —reason “p95 &gt; 200ms &amp; checkout flaky”", user=RM)
    _thread_says(harness, f"u0rm rejected run {run_id}'s report")
    [decision] = approvals.decisions(harness.store, run_id, "report")
    assert (decision["decision"], decision["reason"]) == ("reject", "p95 > 200ms & checkout flaky")


def test_approve_said_in_the_runs_thread_is_about_that_run(slack_bot) -> None:
    harness = slack_bot(readiness_run(verdict="go"), permissions=ROLES)
    harness.fake.people[RM] = "Rita M"  # a mention carries only the id: users.info names her
    run_id, verdict = _finished(harness)
    thread = verdict.get("thread_ts")
    harness.mention("<@UBOT> approve", user=RM, thread_ts=thread)
    said = _thread_says(harness, f"Rita M approved run {run_id}'s report")
    assert said.get("thread_ts") == thread
    [decision] = approvals.decisions(harness.store, run_id, "report")
    assert (decision["decision"], decision["user"], decision["name"]) == ("approve", RM, "Rita M")


@pytest.fixture
def teams() -> Any:
    with FakeTeams() as fake:
        yield fake


def test_a_no_go_is_routed_to_the_team_channel_and_to_teams(
    slack_bot, teams: FakeTeams, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREPROD_TEAMS_WEBHOOK", teams.legacy_url)
    notify = {"channel": "#qa-alerts", "teams_webhook_env": "PREPROD_TEAMS_WEBHOOK"}
    harness = slack_bot(readiness_run(verdict="no-go"), permissions=ROLES, notifications=notify)
    run_id, _ = _finished(harness)
    notice = harness.fake.wait_for(
        lambda c: c.method == "chat.postMessage" and c.get("channel") == "#qa-alerts"
    )[0]
    assert f"run #{run_id}" in notice.text and "e2e failed" in notice.text
    assert notice.get("thread_ts") is None
    [card] = teams.accepted()
    body = json.dumps(card.json())
    assert "no-go" in body and "checkout" in body


def test_a_submission_with_foreign_metadata_records_nothing(slack_bot) -> None:
    harness = slack_bot(readiness_run(verdict="go"), permissions=ROLES)
    run_id, _ = _finished(harness)
    for metadata in ("not json", "[1, 2]", json.dumps({"run": "x"})):
        view = {
            "type": "modal",
            "callback_id": "preprod_report_reject",
            "title": {"type": "plain_text", "text": "Reject the report"},
            "private_metadata": metadata,
        }
        answered = harness.submit_view(view, user=RM, values={"reason": {"reason_input": "no"}})
        assert answered.status_code == 200
    harness.click(run_id, user=RM, action_id=APPROVE)  # the bot still answers afterwards
    _thread_says(harness, f"u0rm approved run {run_id}'s report")
    assert [d["decision"] for d in approvals.decisions(harness.store, run_id, "report")] == [
        "approve"
    ]
