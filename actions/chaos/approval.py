"""A destructive experiment waits for an approval in its thread before anything breaks.

The surface records decisions (`storage.approvals`, subject `chaos`) after checking the role of
whoever decided; the runner waits here for the first one, a cancel, or the time limit.
"""

from __future__ import annotations

import time

from actions.context import RunContext
from actions.errors import Cancelled, PermissionDenied
from storage import approvals

SUBJECT = "chaos"
POLL_S = 0.5


def wait(ctx: RunContext, experiment: str, environment: str, role: str) -> str:
    """Block until someone approves (their name is returned); refuse on a rejection or timeout."""
    run_id = int(ctx.run_id)
    limit = ctx.settings.chaos.approval_timeout
    ctx.emit(
        "approval_needed",
        f"chaos {experiment} on {environment} is destructive: it waits for an approval from a "
        f"{role} (`chaos approve {run_id}` or the Approve button; `chaos reject {run_id} REASON` "
        f"refuses) for at most {limit}",
        subject=SUBJECT,
        role=role,
        experiment=experiment,
        environment=environment,
    )
    deadline = time.monotonic() + ctx.settings.chaos.approval_timeout_s
    while time.monotonic() < deadline:
        decided = approvals.latest(ctx.store, run_id, SUBJECT)
        if decided is not None:
            who = decided.get("name") or decided["user"]
            if decided["decision"] == "approve":
                ctx.progress(f"chaos {experiment}: approved by {who}")
                return str(who)
            reason = f": {decided['reason']}" if decided["reason"] else ""
            raise PermissionDenied(f"chaos {experiment} on {environment} rejected by {who}{reason}")
        if ctx.cancel_event.wait(POLL_S):
            raise Cancelled(ctx.abort_reason or f"run {run_id} was cancelled")
    raise PermissionDenied(
        f"chaos {experiment} on {environment}: no approval within {limit}; nothing was injected"
    )
