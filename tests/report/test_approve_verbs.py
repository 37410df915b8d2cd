"""`approve` and `reject` of a run's readiness report through the bot's core: seats, quorum,
no-go overrides, decisions recorded and audited, and the promotion hook called once, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.replies import Caller
from bot.service import Preprod
from storage import approvals, audit, runs
from storage.store import Store
from tests.conftest import example_settings
from tests.fakes.ci_api import FakeCI

TOKEN = "ci-secret-token-123"
QA, RM, ENG, ADMIN = "U0QA", "U0RM", "U0ENG", "U0ADMIN"
PERMISSIONS = {
    "default_role": "viewer",
    "cli_role": "engineer",
    "roles": {
        "release-manager": {"users": [RM]},
        "engineer": {"users": [ENG, QA]},
        "admin": {"users": [ADMIN]},
    },
}
QUORUM = {
    "seats": [
        {"name": "QA lead", "users": [QA]},
        {"name": "release manager", "role": "release-manager"},
    ]
}


def slack(user: str) -> Caller:
    return Caller(user=user, surface="slack", name=user.lower())


@pytest.fixture
def ci() -> Iterator[FakeCI]:
    with FakeCI(token=TOKEN) as server:
        yield server


def make_bot(tmp_path: Path, **overrides: Any) -> Preprod:
    settings = example_settings(tmp_path, permissions=PERMISSIONS, **overrides)
    return Preprod(settings, Store(settings.resolve(settings.storage.path)))


def finished_run(
    bot: Preprod, verdict: str = "go", requested_by: str = "u0eng", **extra: Any
) -> int:
    return runs.create_run(
        bot.store,
        verb="ready",
        command="ready shop 1.1",
        app="shop",
        version="1.1",
        environment="local",
        status="done",
        verdict=verdict,
        requested_by=requested_by,
        surface="slack",
        **extra,
    )


def test_a_person_without_a_seat_is_refused_and_nothing_is_recorded(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    run_id = finished_run(bot)
    reply = bot.handle(f"approve {run_id}", slack(ENG))
    assert reply.kind == "denied" and "release manager (the release-manager role)" in reply.text
    assert approvals.decisions(bot.store, run_id, "report") == []
    assert audit.entries(bot.store, 1)[0]["outcome"] == "denied"


def test_a_release_manager_approves_a_go_and_it_is_recorded(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    run_id = finished_run(bot)
    reply = bot.handle(f"approve {run_id}", slack(RM))
    assert reply.ok, reply.text
    assert f"u0rm approved run {run_id}'s report as release manager" in reply.text
    assert "approved (release manager: u0rm)" in reply.text
    assert "no promotion hook is configured" in reply.text
    [row] = approvals.decisions(bot.store, run_id, "report")
    assert (row["user"], row["name"], row["decision"], row["seats"]) == (
        "U0RM",
        "u0rm",
        "approve",
        ["release manager"],
    )
    again = bot.handle(f"approve {run_id}", slack(ADMIN))
    assert again.kind == "error" and "already approved" in again.text


def test_a_quorum_needs_every_seat_from_different_people(tmp_path: Path) -> None:
    bot = make_bot(tmp_path, approval=QUORUM)
    run_id = finished_run(bot)
    first = bot.handle(f"approve {run_id}", slack(RM))
    assert "waiting for QA lead (1 of 2 approvals)" in first.text
    second = bot.handle(f"approve {run_id}", slack(QA))
    assert "approved (QA lead: u0qa, release manager: u0rm)" in second.text


def test_a_rejection_needs_a_reason_and_blocks_the_quorum(tmp_path: Path) -> None:
    bot = make_bot(tmp_path, approval=QUORUM)
    run_id = finished_run(bot)
    bare = bot.handle(f"reject {run_id}", slack(QA))
    assert bare.kind == "error" and "--reason" in bare.text
    said = bot.handle(f'reject {run_id} --reason "checkout is slow"', slack(QA))
    assert "u0qa rejected" in said.text and "checkout is slow" in said.text
    after = bot.handle(f"approve {run_id}", slack(RM))
    assert "is rejected (u0qa: checkout is slow)" in after.text


def test_approving_a_no_go_needs_the_override_role_and_a_reason(tmp_path: Path) -> None:
    quorum = {**QUORUM, "override_role": "admin"}
    bot = make_bot(tmp_path, approval=quorum)
    run_id = finished_run(bot, verdict="no-go")
    refused = bot.handle(f"approve {run_id}", slack(RM))
    assert refused.kind == "denied" and "needs an override by the admin role" in refused.text
    bare = bot.handle(f"approve {run_id}", slack(ADMIN))
    assert bare.kind == "error" and "--override" in bare.text
    done = bot.handle(f'approve {run_id} --override "flag off in prod"', slack(ADMIN))
    assert "overriding the no-go verdict: flag off in prod" in done.text
    [row] = approvals.decisions(bot.store, run_id, "report")
    assert row["override"] == "flag off in prod"


def test_a_run_still_running_or_without_a_report_cannot_be_decided(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    deploy = runs.create_run(bot.store, verb="deploy", command="deploy shop 1.1", status="done")
    assert "no readiness report" in bot.handle(f"approve {deploy}", slack(RM)).text
    assert "no run 999" in bot.handle("approve 999", slack(RM)).text


def test_the_requester_may_be_barred_from_approving(tmp_path: Path) -> None:
    bot = make_bot(tmp_path, approval={"requester_may_approve": False})
    run_id = finished_run(bot, requested_by="u0rm")
    reply = bot.handle(f"approve {run_id}", slack(RM))
    assert reply.kind == "denied" and "someone else must approve" in reply.text


def test_the_requester_is_known_by_their_id_not_their_shown_name(tmp_path: Path) -> None:
    bot = make_bot(tmp_path, approval={"requester_may_approve": False})
    run_id = finished_run(bot, requested_by="U0RM", requester="U0RM")  # asked by a mention
    as_handle = bot.handle(f"approve {run_id}", slack(RM))  # the same person, shown as u0rm
    assert as_handle.kind == "denied" and "someone else must approve" in as_handle.text
    assert approvals.decisions(bot.store, run_id, "report") == []
    namesake = Caller(user=ADMIN, surface="slack", name="U0RM")  # another person, a like handle
    assert bot.handle(f"approve {run_id}", namesake).ok
    assert [d["user"] for d in approvals.decisions(bot.store, run_id, "report")] == [ADMIN]


def test_the_completed_quorum_dispatches_the_github_workflow_once(
    tmp_path: Path, ci: FakeCI, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = ci.workflow("acme/shop", "promote.yml")
    promote = {"kind": "github", "url": url, "inputs": {"version": "{version}", "run": "{run}"}}
    bot = make_bot(tmp_path, approval={**QUORUM, "promote": promote})
    monkeypatch.setenv("PREPROD_PROMOTE_TOKEN", TOKEN)
    run_id = finished_run(bot)
    bot.handle(f"approve {run_id}", slack(RM))
    assert ci.dispatched("acme/shop", "promote.yml") == []  # not before the quorum
    reply = bot.handle(f"approve {run_id}", slack(QA))
    assert "promoted: GitHub workflow dispatched on main (204)" in reply.text
    assert ci.dispatched("acme/shop", "promote.yml") == [
        {"ref": "main", "inputs": {"version": "1.1", "run": str(run_id)}}
    ]
    [promotion] = approvals.promotions(bot.store, run_id)
    assert promotion["ok"] and promotion["status"] == 204
    outcomes = [(e["verb"], e["outcome"]) for e in audit.entries(bot.store, 5)]
    assert ("promote", "started") in outcomes and ("promote", "done") in outcomes
    assert TOKEN not in reply.text


def test_a_failed_promotion_is_said_and_retried_by_approving_again(
    tmp_path: Path, ci: FakeCI, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = ci.workflow("acme/shop", "promote.yml")
    bot = make_bot(tmp_path, approval={"promote": {"kind": "github", "url": url}})
    monkeypatch.setenv("PREPROD_PROMOTE_TOKEN", "wrong-token")
    run_id = finished_run(bot)
    failed = bot.handle(f"approve {run_id}", slack(RM))
    assert "promotion failed" in failed.text and "PREPROD_PROMOTE_TOKEN" in failed.text
    assert "wrong-token" not in failed.text
    monkeypatch.setenv("PREPROD_PROMOTE_TOKEN", TOKEN)
    retried = bot.handle(f"approve {run_id}", slack(RM))
    assert retried.ok and "promoted" in retried.text
    assert [p["ok"] for p in approvals.promotions(bot.store, run_id)] == [False, True]


def test_help_says_who_may_decide(tmp_path: Path) -> None:
    bot = make_bot(tmp_path)
    approve, reject = (bot.handle(f"help {v}", slack(ENG)).text for v in ("approve", "reject"))
    assert "Needs a seat of the approval quorum" in approve and "override_role" in approve
    assert "Needs a seat of the approval quorum" in reject and "override_role" not in reject
