"""The approval request of a destructive chaos experiment, posted in its run's thread."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.slack.blocks import Block, actions, button, escape, fallback, section

APPROVE_ACTION = "preprod_chaos_approve"
REJECT_ACTION = "preprod_chaos_reject"


def approval_message(run_id: int, message: str, data: Mapping[str, Any]) -> tuple[str, list[Block]]:
    """What needs approving, by whom, with Approve and Reject buttons (value: the run id)."""
    role = str(data.get("role") or "release-manager")
    return fallback(f"approval needed: {message}"), [
        section(f":raising_hand: *Approval needed* ({escape(role)})\n{escape(message)}"),
        actions(
            f"preprod_chaos_{run_id}",
            button(APPROVE_ACTION, "Approve", str(run_id), "primary"),
            button(REJECT_ACTION, "Reject", str(run_id), "danger"),
        ),
    ]
