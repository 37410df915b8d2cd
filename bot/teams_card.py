"""A failure notice as a Microsoft Teams Adaptive Card, cut to fit Teams' size limit (pure)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from actions.report.failure_notice import UNOWNED, FailureNotice

CARD_LIMIT = 28 * 1024  # Teams refuses a larger message (HTTP 413)
CARD_BUDGET = 24_000  # bytes of JSON we allow ourselves: under the limit, with a margin
# (characters per line, lines per section, sections): tried in turn until the card fits
_SHAPES = ((500, 6, 40), (300, 5, 25), (200, 3, 15), (120, 1, 10), (100, 0, 5))


def teams_card(notice: FailureNotice, *, services: Sequence[str] | None = None) -> dict[str, Any]:
    """The webhook message: one Adaptive Card (v1.4) with the notice, under Teams' size limit."""
    shown = [*notice.services, UNOWNED] if services is None else list(services)
    for line_chars, per_section, sections in _SHAPES:
        message = _message(_body(notice, shown, line_chars, per_section, sections))
        if len(json.dumps(message).encode()) <= CARD_BUDGET:
            return message
    return _message([_text(cut(notice.headline, 300), bold=True), _footer(notice)])


def _message(body: list[dict[str, Any]]) -> dict[str, Any]:
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    attachment = {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "contentUrl": None,
        "content": card,
    }
    return {"type": "message", "attachments": [attachment]}


def _body(
    notice: FailureNotice, shown: list[str], line_chars: int, per_section: int, sections: int
) -> list[dict[str, Any]]:
    def lines(items: list[str]) -> list[dict[str, Any]]:
        kept = [_text(f"• {cut(i, line_chars)}") for i in items[:per_section]]
        if len(items) > per_section:
            kept.append(_text(f"… and {len(items) - per_section} more", subtle=True))
        return kept

    color = "Warning" if notice.outcome == "go with risk" else "Attention"
    body = [
        _text(cut(notice.headline, 300), bold=True, size="Large", color=color),
        {"type": "FactSet", "facts": _facts(notice)},
    ]
    if notice.reasons:
        body += [_text("Why", bold=True, separator=True), *lines(notice.reasons)]
    groups = [(s, notice.services[s]) for s in shown if s in notice.services]
    other = [line for line in notice.unowned if line not in notice.reasons]
    if UNOWNED in shown and other:
        groups.append((UNOWNED, other))
    for name, items in groups[:sections]:
        title = "Not tied to a service" if name == UNOWNED else f"Service {name}"
        body += [_text(cut(title, 200), bold=True, separator=True), *lines(items)]
    if len(groups) > sections:
        body.append(_text(f"… and {len(groups) - sections} more services", subtle=True))
    return [*body, _footer(notice)]


def _facts(notice: FailureNotice) -> list[dict[str, str]]:
    facts = [("Run", f"#{notice.run_id}"), ("Outcome", notice.outcome)]
    if notice.app:
        facts.append(("Release", f"{notice.app} {notice.version or ''}".strip()))
    if notice.environment:
        facts.append(("Environment", notice.environment))
    return [{"title": title, "value": cut(value, 200)} for title, value in facts]


def _footer(notice: FailureNotice) -> dict[str, Any]:
    text = f"Run #{notice.run_id}: `preprod status {notice.run_id}` has the whole evidence."
    return _text(text, subtle=True, separator=True)


def _text(text: str, *, bold: bool = False, subtle: bool = False, **extra: Any) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "TextBlock", "text": text, "wrap": True, **extra}
    if bold:
        block["weight"] = "Bolder"
    if subtle:
        block["isSubtle"] = True
    return block


def cut(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
