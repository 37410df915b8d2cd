"""A destructive chaos experiment asks for an approval in its thread, over Slack's HTTP API:
buttons only the configured role may press, the decision recorded and said in the thread."""

from __future__ import annotations

from actions.chaos import approval
from actions.chaos.outcome import Marks
from actions.chaos.report import chart
from actions.chaos.traffic import Observation
from actions.context import RunContext
from actions.plan import RunOutcome, RunRequest
from actions.result import Artifact, Result, Status
from storage import approvals, jobs, runs
from tests.slack.conftest import ADMIN, CHANNEL, ENGINEER, VIEWER, wait_for_run

APPROVE, REJECT = "preprod_chaos_approve", "preprod_chaos_reject"
CHAOS = {
    "allowed_environments": ["local"],
    "experiments_dir": "examples/shop/chaos",
    "max_blast_radius": 1.0,
    "approval_role": "admin",
}
CHAOS = {
    "allowed_environments": ["local"],
    "experiments_dir": "examples/shop/chaos",
    "max_blast_radius": 1.0,
    "approval_role": "admin",
}


def waits_for_approval(request: RunRequest, ctx: RunContext) -> RunOutcome:
    """The runner's own wait for an approval (the experiment itself is tested elsewhere), then a
    result with the experiment's chart, as a stored step result."""
    assert request.plan == ["chaos"] and request.experiment == "catalog-down"
    who = approval.wait(ctx, request.experiment, request.environment, "admin")
    path = ctx.step_dir("chaos") / "catalog-down.png"
    chart(
        "catalog is down",
        [Observation(1000.0 + i / 10, 20.0, 200, False) for i in range(50)],
        1000.0,
        Marks(1001.0, 1003.0, 1005.0),
        path,
    )
    result = Result(
        step="chaos",
        status=Status.PASS,
        summary=f"ran, approved by {who}",
        artifacts=[Artifact(name=path.name, path=str(path), kind="chart")],
    )
    runs.start_step(ctx.store, int(ctx.run_id), 0, "chaos")
    runs.save_result(ctx.store, int(ctx.run_id), 0, result)
    return RunOutcome(results=[result])


def _started(harness) -> tuple[int, dict]:
    harness.command("chaos run catalog-down local", user=ENGINEER)
    run_id = wait_for_run(harness.store)
    asked = harness.fake.wait_for(
        lambda c: c.method == "chat.postMessage" and "Approval needed" in str(c.get("blocks"))
    )[0]
    return run_id, asked


def test_only_the_approval_role_can_approve_and_the_decision_is_recorded(slack_bot) -> None:
    harness = slack_bot(waits_for_approval, chaos=CHAOS)
    run_id, asked = _started(harness)
    blocks = asked.get("blocks")
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == [APPROVE, REJECT]
    assert all(b["value"] == str(run_id) for b in buttons)
    assert asked.get("thread_ts") == harness.wait_status_ts(run_id)

    for user, said in (
        (VIEWER, "needs the engineer role"),
        (ENGINEER, "only the admin role may approve"),
    ):
        harness.click(run_id, user=user, action_id=APPROVE)
        refusal = harness.fake.wait_for(lambda c, said=said: said in c.text)[-1]
        assert refusal.method == "response_url" and refusal.get("response_type") == "ephemeral"
    assert approvals.decisions(harness.store, run_id, "chaos") == []
    assert jobs.get_job(harness.store, run_id)["status"] == "running"

    harness.click(run_id, user=ADMIN, action_id=APPROVE)
    assert harness.wait_run(run_id)["status"] == "done"
    [decision] = approvals.decisions(harness.store, run_id, "chaos")
    assert decision["decision"] == "approve" and decision["role"] == "admin"
    said = harness.fake.wait_for(
        lambda c: c.method == "chat.postMessage" and "approved by" in c.text
    )
    assert said and said[0].get("channel") == CHANNEL
    harness.fake.wait_for("files.completeUploadExternal", timeout=10)
    [uploaded] = harness.fake.calls("upload")
    assert uploaded.body.startswith(b"\x89PNG"), "the experiment's chart is in the thread"


def test_a_rejection_stops_the_experiment_before_it_starts(slack_bot) -> None:
    harness = slack_bot(waits_for_approval, chaos=CHAOS)
    run_id, _ = _started(harness)
    harness.click(run_id, user=ADMIN, action_id=REJECT)
    assert harness.wait_run(run_id)["status"] in ("failed", "error", "done")
    [decision] = approvals.decisions(harness.store, run_id, "chaos")
    assert decision["decision"] == "reject" and decision["reason"] == "rejected in Slack"
