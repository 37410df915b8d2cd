"""`defects [release]`: what the tracker holds, by severity, open first."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from actions.defects.tracker import make_tracker
from actions.defects.triage import summary_by_severity
from actions.errors import PreprodError
from bot.grammar import Command
from bot.replies import Reply

if TYPE_CHECKING:
    from bot.service import Preprod

SHOWN = 30


def defects(bot: Preprod, command: Command) -> Reply:
    release = command.args.get("release")
    try:
        tracker = make_tracker(bot.settings, bot.store, os.environ)
        found = tracker.list(release)
    except PreprodError as exc:
        return Reply(f"the defect tracker did not answer: {exc}", kind="error")
    where = f" for release {release}" if release else ""
    if not found:
        return Reply(f"no defects{where} in the {tracker.name} tracker", title="defects")
    still_open = [d for d in found if d.status == "open"]
    counts = summary_by_severity(still_open)
    head = f"{len(still_open)} open of {len(found)} defect(s){where} ({tracker.name} tracker): " + (
        ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "none open"
    )
    rank = {s: i for i, s in enumerate(counts)}
    ordered = sorted(
        found, key=lambda d: (d.status != "open", rank.get(d.severity or "", 99), d.key)
    )
    lines = [head]
    for d in ordered[:SHOWN]:
        seen = f", seen {d.occurrences}×" if d.occurrences > 1 else ""
        release_of = f" {d.app or ''} {d.version or ''}".rstrip()
        lines.append(
            f"• {d.key} [{d.severity or '?'}] {d.title[:160]} — {d.tracker_status or d.status}"
            f"{seen}{release_of and ' ·' + release_of}"
        )
    if len(found) > SHOWN:
        lines.append(f"… and {len(found) - SHOWN} more")
    return Reply("\n".join(lines), title="defects", data={"counts": counts})
