"""Just enough HTTP/1.1 for the fault proxy: where a request's head and body end. Pure."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RequestHead", "parse_request_head"]


@dataclass(frozen=True)
class RequestHead:
    """What the proxy needs of a request head: where its body ends, or that it cannot tell."""

    method: str
    target: str
    content_length: int
    streamed: bool  # chunked body or protocol upgrade: the rest of the connection is a pipe


def parse_request_head(head: bytes) -> RequestHead | None:
    """Parse an HTTP/1.x request head (up to and including the blank line); None if malformed."""
    try:
        text = head.decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any byte
        return None
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1.") or not parts[0].isalpha():
        return None
    length, streamed = 0, False
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            return None
        name, value = name.strip().lower(), value.strip()
        if name == "content-length":
            if not value.isdigit():
                return None
            length = int(value)
        elif (name == "transfer-encoding" and value.lower() != "identity") or name == "upgrade":
            streamed = True
    return RequestHead(parts[0], parts[1], length, streamed)
