"""`approve RUN [--override REASON]`, `reject RUN --reason TEXT`: decisions on a readiness report.

Who may decide is the quorum's seats (`approval.seats`); approving a no-go needs the override role
and a reason; every decision is recorded (with the seats it filled) and audited by the caller; when
the quorum is met, the promotion hook (if configured) is called once and what it answered is kept.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from actions.errors import PermissionDenied, UsageError
from actions.report.approval import SUBJECT, Tally, may_override, seats_for
from actions.report.gate import NO_GO
from actions.report.promote_call import promote
from bot import answers
from bot.approval_state import current
from bot.grammar import Command
from bot.replies import Caller, Reply
from storage import approvals, audit, jobs, runs
from storage.store import Store

if TYPE_CHECKING:
    from bot.service import Preprod


def decide(bot: Preprod, command: Command, caller: Caller, role: str) -> Reply:
    """Record the caller's approval or rejection of a run's report, and where the quorum stands."""
    run_id = answers.run_id(command.args.get("run") or "")
    run = _reviewable(bot.store, run_id)
    config = bot.settings.approval
    seats = seats_for(config, caller.user, role, caller.groups)
    if not seats:
        who = "; ".join(seat.who() for seat in config.seats)
        raise PermissionDenied(f"deciding on run {run_id}'s report needs a seat: {who}")
    before = current(bot.store, bot.settings, run_id)
    if before.status == "approved":
        if command.verb == "approve" and _promotion_failed(bot, run_id):
            return Reply(
                _promote(bot, run, before, caller),
                title=f"report of run {run_id}",
                data={"status": before.status, "decided_run": run_id},
            )
        raise UsageError(f"run {run_id} is already {before.text()}")
    if command.verb == "reject":
        reason = str(command.options.get("reason") or "").strip()
        if not reason:
            raise UsageError(f'say why: `reject {run_id} --reason "..."`')
        return _record(bot, run, caller, role, seats, "reject", reason=reason)
    override = str(command.options.get("override") or "").strip()
    if run.get("verdict") == NO_GO:
        if not may_override(config, role):
            raise PermissionDenied(
                f"run {run_id} is a no-go: approving it needs an override by the "
                f"{config.override_role} role (you are {role})"
            )
        if not override:
            raise UsageError(
                f"run {run_id} is a no-go: to approve it anyway, give the reason: "
                f'`approve {run_id} --override "why it may ship"`'
            )
    elif override:
        override = ""  # nothing to override
    if not config.requester_may_approve and _requested(run, caller):
        raise PermissionDenied(f"you requested run {run_id}: someone else must approve it")
    return _record(bot, run, caller, role, seats, "approve", override=override)


def _promotion_failed(bot: Preprod, run_id: int) -> bool:
    """A configured promotion hook whose latest call failed (approving again retries it)."""
    done = approvals.promotions(bot.store, run_id)
    return bot.settings.approval.promote is not None and bool(done) and not done[-1]["ok"]


def _reviewable(store: Store, run_id: int) -> dict[str, Any]:
    run = runs.get_run(store, run_id)
    if run is None:
        raise UsageError(f"no run {run_id}")
    job = jobs.get_job(store, run_id)
    if job is not None and job["status"] in jobs.ACTIVE_STATES:
        raise UsageError(f"run {run_id} is still running: decide on its report when it ends")
    if not run.get("verdict"):
        raise UsageError(f"run {run_id} has no readiness report to approve ({run['verb']} run)")
    return run


def _requested(run: Mapping[str, Any], caller: Caller) -> bool:
    """Whether the caller asked for the run: by their stable id (runs before it was kept: by
    name)."""
    if run.get("requester"):
        return bool(run["requester"] == caller.user)
    return (caller.name or caller.user) == run.get("requested_by")


def _record(
    bot: Preprod,
    run: Mapping[str, Any],
    caller: Caller,
    role: str,
    seats: list[str],
    decision: approvals.Decision,
    *,
    reason: str = "",
    override: str = "",
) -> Reply:
    run_id = int(run["id"])
    user, name = caller.user, caller.name or caller.user
    approvals.record(
        bot.store,
        run_id,
        SUBJECT,
        user=user,
        name=name,
        role=role,
        decision=decision,
        reason=reason,
        seats=seats,
        override=override,
    )
    after = current(bot.store, bot.settings, run_id)
    said = "approved" if decision == "approve" else "rejected"
    seat_names = [s for s, who in after.filled.items() if who == user] or seats[:1]
    lines = [f"{name} {said} run {run_id}'s report as {' and '.join(seat_names)}"]
    if reason:
        lines[0] += f": {reason}"
    if override:
        lines.append(f"⚠ overriding the no-go verdict: {override}")
    lines.append(f"run {run_id} is {after.text()}")
    if decision == "approve" and after.status == "approved":
        lines.append(_promote(bot, run, after, caller))
    return Reply(
        "\n".join(lines),
        title=f"report of run {run_id}",
        data={"status": after.status, "decided_run": run_id},
    )


def _promote(bot: Preprod, run: Mapping[str, Any], after: Tally, caller: Caller) -> str:
    config = bot.settings.approval.promote
    if config is None:
        return "no promotion hook is configured; promote the release your usual way"
    run_id = int(run["id"])
    facts = {
        "app": str(run.get("app") or ""),
        "version": str(run.get("version") or ""),
        "run": str(run_id),
        "environment": str(run.get("environment") or ""),
        "verdict": str(run.get("verdict") or ""),
        "approvers": ",".join(after.shown(u) for u in after.filled.values()),
    }
    said = functools.partial(
        audit.record,
        bot.store,
        user=caller.user,
        surface=caller.surface,
        verb="promote",
        args=[config.kind, facts["app"], facts["version"]],
        run_id=run_id,
    )
    said(outcome="started")
    outcome = promote(config, token=os.environ.get(config.token_env), facts=facts)
    approvals.record_promotion(
        bot.store,
        run_id,
        kind=config.kind,
        ok=outcome.ok,
        status=outcome.status,
        detail=outcome.detail,
        attempts=outcome.attempts,
    )
    said(outcome="done" if outcome.ok else "failed", detail=outcome.detail[:500])
    mark = "promoted" if outcome.ok else "promotion failed"
    return f"{mark}: {outcome.detail}"
