"""Block Kit building blocks and immediate replies. Pure: data in, blocks out, text escaped."""

from __future__ import annotations

from typing import Any

from bot.replies import Reply

Block = dict[str, Any]

SECTION_LIMIT = 2900  # Slack allows 3000 characters in a section; keep a margin for code fences
HEADER_LIMIT = 150
MAX_BLOCKS = 45  # Slack allows 50 per message
REPLY_EMOJI = {"error": ":grey_question:", "denied": ":lock:", "unavailable": ":construction:"}


def escape(text: object) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object cut to Slack's limit (plain text needs no escaping)."""
    return {"type": "plain_text", "text": cut(text or " ", limit), "emoji": True}


def section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(mrkdwn, SECTION_LIMIT)}}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_LIMIT)}


def button(
    action_id: str, text: str, value: str, style: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A button element; `value` carries what it acts on (a run id)."""
    element = {"type": "button", "action_id": action_id, "text": plain(text, 75), "value": value}
    return {**element, **({"style": style} if style else {}), **extra}


def actions(block_id: str, *buttons: dict[str, Any]) -> Block:
    """A row of buttons."""
    return {"type": "actions", "block_id": block_id, "elements": list(buttons)}


def context(*parts: str) -> Block:
    elements = [{"type": "mrkdwn", "text": cut(p, 2000)} for p in parts if p][:10]
    return {"type": "context", "elements": elements or [{"type": "mrkdwn", "text": " "}]}


def text_blocks(text: str) -> list[Block]:
    """Escaped text as sections; runs of column-aligned lines become code blocks."""
    blocks: list[Block] = []
    for preformatted, lines in _groups(text.splitlines() or [""]):
        body = escape("\n".join(lines))
        for chunk in _chunks(body, SECTION_LIMIT - 8):
            blocks.append(section(f"```\n{chunk}\n```" if preformatted else chunk or " "))
    if len(blocks) > MAX_BLOCKS:
        blocks = [*blocks[: MAX_BLOCKS - 1], context("_… cut here: the answer is too long._")]
    return blocks


def reply_message(reply: Reply) -> tuple[str, list[Block]]:
    """Fallback text and blocks of an immediate answer."""
    blocks: list[Block] = []
    if reply.title and reply.kind == "info":
        blocks.append(header(reply.title))
    emoji = REPLY_EMOJI.get(reply.kind)
    body = text_blocks(reply.text)
    if emoji and body and body[0]["type"] == "section":
        first = body[0]["text"]["text"]
        if not first.startswith("```"):
            body[0] = section(f"{emoji} {first}")
    blocks += body
    return fallback(reply.text), blocks


def failure_message(ref: str) -> tuple[str, list[Block]]:
    """What a person sees when something unexpected broke: short, with a correlation id."""
    text = (
        f":warning: Something went wrong on my side (ref `{escape(ref)}`). "
        "The bot's log has the details under that ref; tell whoever runs the bot."
    )
    return f"Something went wrong (ref {ref})", [section(text)]


def _groups(lines: list[str]) -> list[tuple[bool, list[str]]]:
    groups: list[tuple[bool, list[str]]] = []
    for line in lines:
        pre = _is_preformatted(line)
        if groups and groups[-1][0] == pre:
            groups[-1][1].append(line)
        else:
            groups.append((pre, [line]))
    return groups


def _is_preformatted(line: str) -> bool:
    """Column-aligned lines (tables, usage lists) keep their spacing in a code block."""
    return line.startswith("  ") or "  " in line.strip()


def _chunks(text: str, size: int) -> list[str]:
    if len(text) <= size:
        return [text]
    out, current = [], ""
    for line in text.split("\n"):
        while len(line) > size:
            if current:
                out.append(current)
                current = ""
            out.append(line[:size])
            line = line[size:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > size:
            out.append(current)
            current = line
        else:
            current = candidate
    out.append(current)
    return out


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fallback(text: str) -> str:
    """The notification text Slack shows where blocks cannot be (kept short, escaped)."""
    return escape(cut(text.replace("\n", " "), 300))
