"""Block Kit for a run's readiness report in its thread: the verdict summary with Approve and
Reject buttons, and the modal asking why (a rejection, or the override of a no-go). Pure."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.slack.blocks import (
    Block,
    actions,
    button,
    context,
    cut,
    escape,
    header,
    plain,
    section,
)

APPROVE_ACTION = "preprod_report_approve"
REJECT_ACTION = "preprod_report_reject"
REJECT_VIEW = "preprod_report_reject"
OVERRIDE_VIEW = "preprod_report_override"
REASON_BLOCK, REASON_INPUT = "reason", "reason_input"
VERDICT_EMOJI = {"go": ":large_green_circle:", "go with risk": ":large_yellow_circle:"}
OBJECTIVE_EMOJI = {"pass": ":white_check_mark:", "warn": ":warning:", "fail": ":x:"}


def verdict_message(
    run: Mapping[str, Any],
    gate: Mapping[str, Any] | None,
    defects: Mapping[str, Any] | None = None,
    *,
    approvable: bool = True,
) -> tuple[str, list[Block]]:
    """The verdict of a readiness run, how it was reached, and the buttons to decide on it."""
    gate = gate or {}
    verdict = run.get("verdict") or gate.get("verdict") or "none"
    emoji = VERDICT_EMOJI.get(verdict, ":red_circle:")
    blocks = [header(f"Verdict for run #{run['id']}: {verdict.upper()}")]
    what = f"{emoji} *{escape(verdict)}*"
    if run.get("app"):
        what += f" for `{escape(run['app'])} {escape(run.get('version') or '')}`"
    if gate.get("risk") is not None:
        what += f" · risk *{gate['risk']:g}* of 100"
    if gate.get("score") is not None:
        what += f" · SLO score *{gate['score']:g}%*"
    blocks.append(section(what))
    objectives = list(gate.get("objectives") or [])
    if objectives:
        blocks.append(section("\n".join(_objective(o) for o in objectives[:20])))
    reasons = _reasons(gate)
    if reasons:
        blocks.append(section("\n".join(reasons[:10])))
    said = _defects(defects)
    if said:
        blocks.append(context(said))
    blocks.append(context("The full readiness report (HTML and Markdown) is attached below."))
    if approvable:
        blocks.append(decision_actions(int(run["id"]), verdict))
    return f"run #{run['id']} verdict: {verdict}", blocks


def decision_actions(run_id: int, verdict: str) -> Block:
    """Approve (an override when the verdict is no-go) and Reject; value: the run id."""
    anyway = verdict == "no-go"  # a no-go is approved only with a reason: no primary style
    return actions(
        f"preprod_report_{run_id}",
        button(
            APPROVE_ACTION,
            "Approve anyway…" if anyway else "Approve",
            str(run_id),
            None if anyway else "primary",
        ),
        button(REJECT_ACTION, "Reject…", str(run_id), "danger"),
    )


def reason_modal(run_id: int, kind: str, channel: str) -> dict[str, Any]:
    """The modal asking why: `reject`, or `override` (approving a no-go)."""
    override = kind == "override"
    title = "Override a no-go" if override else "Reject the report"
    ask = (
        f"Run #{run_id} is a *no-go*. Approving it ships a release the evidence says is not "
        "ready: say why it may ship anyway. Your reason is recorded and shown in the thread."
        if override
        else f"Why must run #{run_id}'s release not ship? Your reason is shown in the thread."
    )
    return {
        "type": "modal",
        "callback_id": OVERRIDE_VIEW if override else REJECT_VIEW,
        "private_metadata": json.dumps({"run": run_id, "channel": channel}),
        "title": plain(title, 24),
        "submit": plain("Approve anyway" if override else "Reject", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            section(ask),
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": plain("Reason", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "multiline": True,
                    "min_length": 3,
                    "max_length": 500,
                },
            },
        ],
    }


def submitted_reason(view: Mapping[str, Any]) -> str:
    """The reason typed in the modal."""
    values = (view.get("state") or {}).get("values") or {}
    return str(((values.get(REASON_BLOCK) or {}).get(REASON_INPUT) or {}).get("value") or "")


def _reasons(gate: Mapping[str, Any]) -> list[str]:
    contributions = sorted(
        gate.get("contributions") or [],
        key=lambda c: (not c.get("blocking"), -float(c.get("points") or 0)),
    )
    if not contributions:
        return [f"• {escape(cut(r, 300))}" for r in gate.get("reasons") or []]
    lines = []
    for c in contributions:
        mark = ":no_entry: " if c.get("blocking") else ""
        points = f"+{float(c.get('points') or 0):g}"
        lines.append(f"• {mark}`{points}` {escape(cut(str(c.get('reason') or ''), 280))}")
    return lines


def _defects(defects: Mapping[str, Any] | None) -> str:
    if not defects or defects.get("error"):
        return f"Defects not filed: {escape(defects['error'])}" if defects else ""
    filed, matched = defects.get("filed") or [], defects.get("matched") or []
    parts = [f"{escape(f['key'])} ({escape(f['severity'])})" for f in [*filed, *matched][:6]]
    head = f"Defects: {escape(defects.get('summary') or '')}"
    return head + (": " + ", ".join(parts) if parts else "")


def _objective(o: Mapping[str, Any]) -> str:
    emoji = OBJECTIVE_EMOJI.get(o.get("status", ""), ":grey_question:")
    value = o.get("value")
    unit = f" {o['unit']}" if o.get("unit") else ""
    shown = "no data" if value is None else f"{round(value, 2):g}{unit}"
    key = " _(key)_" if o.get("key") else ""
    return (
        f"{emoji} {escape(o.get('name', '?'))}{key}: *{escape(shown)}* "
        f"(objective {escape(o.get('objective', '?'))})"
    )
