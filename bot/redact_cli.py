"""`preprod redact [FILE]`: a file (or standard input) with its secrets and personal data replaced.

Nothing else changes: every byte outside a replaced value is written back as it was read (line
endings, trailing blanks, a missing last newline, bytes that are not UTF-8, kept through
`surrogateescape`). The text streams through in blocks of whole lines, so a file of any size
runs in bounded memory; a block never ends inside a private key's BEGIN ... END lines, so a
multi-line PEM block is redacted whole. One Redactor per run: the same value gets the same
placeholder throughout the output.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from typing import TextIO

from actions.insight.redact import Redactor

BLOCK_CHARS = 1 << 16  # redact in blocks of about 64 KiB of whole lines
MAX_LINE_CHARS = 1 << 20  # a longer line is cut into pieces of this size
MAX_KEY_CHARS = 1 << 20  # a BEGIN line with no END this far on is redacted as it is


def redact_command(file: str | None, *, stdin: TextIO, stdout: TextIO) -> int:
    """Write FILE (standard input when None) redacted to stdout: exit 0, or 2 if unreadable."""
    try:
        source = _open(file, stdin)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        print(f"preprod redact: cannot read {file}: {reason}", file=sys.stderr)
        return 2
    sink = _binary_safe(stdout)
    try:
        redact_stream(source, sink, Redactor())
    finally:
        sink.flush()
        if sink is not stdout and isinstance(sink, io.TextIOWrapper):
            sink.detach()  # leave the caller's stdout open
        if file is not None:
            source.close()
        elif source is not stdin and isinstance(source, io.TextIOWrapper):
            source.detach()
    return 0


def redact_stream(source: TextIO, sink: TextIO, redactor: Redactor) -> None:
    """Copy source to sink block by block, each block redacted."""
    for block in blocks(source):
        sink.write(redactor.redact(block))


def blocks(source: TextIO) -> Iterator[str]:
    """The text in blocks of whole lines, none ending inside a private key's BEGIN ... END."""
    lines: list[str] = []
    size, in_key = 0, False
    while line := source.readline(MAX_LINE_CHARS):
        lines.append(line)
        size += len(line)
        in_key = _key_open(line, in_key)
        if size >= (MAX_KEY_CHARS if in_key else BLOCK_CHARS):
            yield "".join(lines)
            lines, size, in_key = [], 0, False
    if lines:
        yield "".join(lines)


def _key_open(line: str, was_open: bool) -> bool:
    """Whether a private key block is still open after this line."""
    if "PRIVATE KEY" not in line:
        return was_open
    begin, end = line.rfind("-----BEGIN "), line.rfind("-----END ")
    return begin > end if begin >= 0 or end >= 0 else was_open


def _open(file: str | None, stdin: TextIO) -> TextIO:
    if file is not None:
        return open(file, encoding="utf-8", errors="surrogateescape", newline="")
    buffer = getattr(stdin, "buffer", None)
    if buffer is None:  # already text (a test's StringIO)
        return stdin
    return io.TextIOWrapper(buffer, encoding="utf-8", errors="surrogateescape", newline="")


def _binary_safe(stdout: TextIO) -> TextIO:
    buffer = getattr(stdout, "buffer", None)
    if buffer is None:
        return stdout
    stdout.flush()
    return io.TextIOWrapper(buffer, encoding="utf-8", errors="surrogateescape", newline="")
