"""Block Kit for a failure notice in an owning team's channel. Pure: data in, blocks out.

Every text is escaped (a finding title like `<!channel>` must not ping anyone) and cut to Block
Kit's limits before it is joined, so an entity such as `&amp;` is never split.
"""

from __future__ import annotations

from collections.abc import Sequence

from actions.report.failure_notice import UNOWNED, FailureNotice
from bot.slack.blocks import (
    MAX_BLOCKS,
    SECTION_LIMIT,
    Block,
    context,
    cut,
    escape,
    fallback,
    header,
    section,
)

OUTCOME_EMOJI = {"no-go": ":red_circle:", "go with risk": ":large_yellow_circle:"}
LINE_LIMIT = 500  # characters of one finding or reason, before escaping


def notice_message(notice: FailureNotice, services: Sequence[str]) -> tuple[str, list[Block]]:
    """Fallback text and blocks: headline, reasons, a section per routed service, the way on."""
    emoji = OUTCOME_EMOJI.get(notice.outcome, ":x:")
    blocks: list[Block] = [header(f"{emoji} {notice.headline}")]
    facts = [f"run *#{notice.run_id}*", f"outcome *{escape(notice.outcome)}*"]
    if notice.environment:
        facts.append(f"environment `{escape(notice.environment)}`")
    blocks.append(context(" · ".join(facts)))
    if notice.reasons:
        blocks.append(section(_titled("Why", notice.reasons)))
    groups = [(s, notice.services[s]) for s in services if s in notice.services]
    other = [line for line in notice.unowned if line not in notice.reasons]
    if UNOWNED in services and other:
        groups.append((UNOWNED, other))
    room = MAX_BLOCKS - len(blocks) - 1  # the closing context line always fits
    shown = groups if len(groups) <= room else groups[: room - 1]
    for name, lines in shown:
        title = "Not tied to a service" if name == UNOWNED else f"Service `{cut(name, 200)}`"
        blocks.append(section(_titled(title, lines)))
    if len(shown) < len(groups):
        blocks.append(context(f"_… and {len(groups) - len(shown)} more in the run's thread_"))
    rid = notice.run_id
    blocks.append(
        context(f"run #{rid} · `status {rid}` or the run's thread for the whole evidence")
    )
    return fallback(notice.headline), blocks


def _titled(title: str, lines: Sequence[str]) -> str:
    """A bold title (escaped here) and bulleted lines, kept within a section's limit."""
    text = f"*{escape(title)}*"
    for index, line in enumerate(lines):
        bullet = f"\n• {escape(cut(' '.join(line.split()), LINE_LIMIT))}"
        more = f"\n_… and {len(lines) - index} more_"
        if len(text) + len(bullet) + len(more) > SECTION_LIMIT:
            return text + more
        text += bullet
    return text
