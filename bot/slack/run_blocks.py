"""Block Kit for a run's thread: status message, step replies, endings. Pure: data in, blocks out.

(Shared pieces and escaping live in `blocks.py`.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.slack.blocks import (
    Block,
    actions,
    button,
    context,
    cut,
    escape,
    fallback,
    header,
    plain,
    section,
)

CANCEL_ACTION = "preprod_cancel"
STEP_EMOJI = {
    "pending": ":white_circle:",
    "running": ":hourglass_flowing_sand:",
    "pass": ":white_check_mark:",
    "warn": ":warning:",
    "skipped": ":fast_forward:",
    "fail": ":x:",
    "error": ":boom:",
}
RUN_EMOJI = {
    "queued": ":hourglass:",
    "running": ":arrows_counterclockwise:",
    "done": ":checkered_flag:",
    "failed": ":x:",
    "cancelled": ":no_entry_sign:",
    "interrupted": ":warning:",
}


def _status_line(status: str | None) -> str:
    return RUN_EMOJI.get(status or "", ":grey_question:")


def status_message(
    run: Mapping[str, Any],
    steps: Sequence[Mapping[str, Any]],
    job: Mapping[str, Any] | None,
    *,
    active: bool,
) -> tuple[str, list[Block]]:
    """The one status message of a run: what, where, each step's state, and Cancel while active."""
    rid = run["id"]
    state = (job or {}).get("status") or run.get("status") or "queued"
    title = f"preprod run #{rid}: {run.get('command') or run.get('verb')}"
    who = run.get("requested_by") or "?"
    facts = [f"*Environment* `{escape(run.get('environment') or '?')}`", f"*By* {escape(who)}"]
    if run.get("app"):
        facts.insert(0, f"*Release* `{escape(run['app'])} {escape(run.get('version') or '')}`")
    blocks = [header(title), section("   ".join(facts))]
    lines = _step_lines(run.get("plan") or [], steps)
    if lines:
        blocks.append(section("\n".join(lines)))
    blocks.append(context(_state_text(run, job, state, active)))
    if active:
        blocks.append(cancel_actions(int(rid)))
    text = f"run #{rid} ({state}): {run.get('command') or ''}"
    return fallback(text), blocks


def _step_lines(plan: Iterable[str], steps: Sequence[Mapping[str, Any]]) -> list[str]:
    by_name = {s["name"]: s for s in steps}
    names = list(plan) + [s["name"] for s in steps if s["name"] not in plan]
    lines = []
    for name in names:
        step = by_name.get(name)
        status = step["status"] if step else "pending"
        summary = (step or {}).get("summary") or {"pending": "waiting", "running": "running…"}.get(
            status, ""
        )
        emoji = STEP_EMOJI.get(status, ":grey_question:")
        lines.append(f"{emoji} *{escape(name)}*  {escape(cut(summary, 200))}".rstrip())
    return lines


def _state_text(
    run: Mapping[str, Any], job: Mapping[str, Any] | None, state: str, active: bool
) -> str:
    emoji = _status_line(state)
    parts = [f"{emoji} *{escape(state)}*"]
    if active:
        progress = (job or {}).get("progress") or ""
        if progress and progress != state:
            parts.append(escape(cut(progress, 300)))
        return " · ".join(parts)
    summary = str(run.get("summary") or "")
    if run.get("verdict") and not summary.startswith("verdict"):
        parts.append(f"verdict *{escape(run['verdict'])}*")
    if summary:
        parts.append(escape(cut(summary, 300)))
    return " · ".join(parts)


def cancel_actions(run_id: int) -> Block:
    """The Cancel button, with a confirmation dialog; the value is the run id."""
    confirm = {
        "title": plain("Cancel this run?", 100),
        "text": plain(f"Run #{run_id} stops at its next safe point.", 300),
        "confirm": plain("Cancel the run", 30),
        "deny": plain("Keep it running", 30),
    }
    cancel = button(CANCEL_ACTION, "Cancel", str(run_id), "danger", confirm=confirm)
    return actions(f"preprod_run_{run_id}", cancel)


def step_message(
    step: Mapping[str, Any], result: Mapping[str, Any] | None = None
) -> tuple[str, list[Block]]:
    """A thread reply for a finished step: its status, summary, top findings and measurements."""
    status = step.get("status") or "?"
    emoji = STEP_EMOJI.get(status, ":grey_question:")
    name, summary = escape(step["name"]), escape(step.get("summary") or "")
    blocks = [section(f"{emoji} *{name}* {escape(status)}: {summary}")]
    findings = list((result or {}).get("findings") or [])
    if findings:
        ordered = sorted(
            findings, key=lambda f: _SEVERITY.get(f.get("severity", ""), 0), reverse=True
        )
        lines = [
            f"• *{escape(f.get('severity', '?'))}* {escape(cut(f.get('title', ''), 200))}"
            for f in ordered[:5]
        ]
        if len(findings) > 5:
            lines.append(f"_… and {len(findings) - 5} more in the report_")
        blocks.append(section("\n".join(lines)))
    measurements = [m for m in (result or {}).get("measurements") or [] if not m.get("tags")]
    if measurements:
        blocks.append(context(*(_measurement(m) for m in measurements[:10])))
    return fallback(f"{step['name']} {status}: {step.get('summary') or ''}"), blocks


_SEVERITY = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


def _measurement(m: Mapping[str, Any]) -> str:
    value = m.get("value")
    shown = f"{round(value, 2):g}" if isinstance(value, int | float) else str(value)
    unit = f" {m['unit']}" if m.get("unit") else ""
    return f"{escape(m.get('name', '?'))} *{escape(shown)}*{escape(unit)}"


def ended_message(run: Mapping[str, Any], status: str, message: str) -> tuple[str, list[Block]]:
    """A thread reply for a run that ended without a verdict (failed, cancelled, interrupted…)."""
    emoji = _status_line(status)
    detail = message.strip().removeprefix(status).lstrip(": ").strip()
    text = f"{emoji} run #{run['id']} *{escape(status)}*"
    text += f": {escape(cut(detail, 1000))}" if detail else "."
    return fallback(f"run #{run['id']} {status}" + (f": {detail}" if detail else "")), [
        section(text)
    ]


def warning_message(step: str | None, message: str) -> tuple[str, list[Block]]:
    where = f"*{escape(step)}* " if step else ""
    return fallback(f"warning: {message}"), [
        section(f":warning: {where}{escape(cut(message, 1000))}")
    ]
