"""`preprod logs mine INPUT [--json] [--assignments OUT.csv]`: a log file's failure summary.

Each line of INPUT is a message (JSON and logfmt lines are read as records). The summary names the
top templates, the suspects with their evidence and the head of the timeline; `--json` prints
`Mined.to_dict()` instead; `--assignments` writes each line's final template to a CSV. A file that
cannot be read is a one-line error and exit code 2.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from typing import TextIO

from actions.insight.mining import Mined, mine_lines
from actions.insight.mining.model import iso

EXIT_OK, EXIT_ERROR = 0, 2
TOP_TEMPLATES = 10
TIMELINE_HEAD = 10
WIDTH = 100


def mine_command(
    input_path: str,
    *,
    as_json: bool,
    assignments: str | None,
    out: TextIO,
    err: TextIO | None = None,
) -> int:
    """Mine INPUT and print its summary (or JSON); the exit code (2: INPUT or OUT unusable)."""
    err = err or sys.stderr
    try:
        with open(input_path, encoding="utf-8", errors="replace") as lines:
            mined = mine_lines(_messages(lines))
    except OSError as exc:
        print(f"error: cannot read {input_path}: {exc.strerror or exc}", file=err)
        return EXIT_ERROR
    if assignments:
        try:
            write_assignments(mined, assignments)
        except OSError as exc:
            print(f"error: cannot write {assignments}: {exc.strerror or exc}", file=err)
            return EXIT_ERROR
    if as_json:
        json.dump(mined.to_dict(), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write(summary(mined))
        if assignments:
            out.write(f"assignments of {mined.lines} lines written to {assignments}\n")
    return EXIT_OK


def write_assignments(mined: Mined, path: str) -> None:
    """`line,template_id,template`: one row per input line, in order, with its final template."""
    names = {t.id: t.template for t in mined.templates}
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["line", "template_id", "template"])
        for number, tid in enumerate(mined.assignments, start=1):
            writer.writerow([number, tid, names[tid]])


def summary(mined: Mined) -> str:
    """The readable summary: counts, top templates, suspects, timeline head, correlations."""
    failing = mined.error_templates
    levels = _counts(mined.by_level)
    services = _counts(mined.by_service)
    out = [
        f"{mined.lines} lines, {len(mined.templates)} templates ({len(failing)} with errors)",
        f"by level: {levels}",
        f"by service: {services}",
        "",
        "top templates:",
    ]
    for t in mined.templates[:TOP_TEMPLATES]:
        mark = "!" if t.failing else " "
        out.append(_cut(f" {mark}{t.count:>8}  #{t.id:<5} {t.template}"))
    if len(mined.templates) > TOP_TEMPLATES:
        out.append(f"  … and {len(mined.templates) - TOP_TEMPLATES} more")
    out += ["", "suspects:" if mined.suspects else "suspects: none (no error lines)"]
    for n, s in enumerate(mined.suspects, start=1):
        out.append(f"  {n}. {s.kind} {s.name} (score {s.score:g})")
        out += [_cut(f"       {line}") for line in s.evidence]
    out += ["", "timeline (first occurrences):"]
    for e in mined.timeline[:TIMELINE_HEAD]:
        when = iso(e.at) or "-"
        who = f"{e.level or '-'} {e.service or '-'}"
        out.append(_cut(f"  {when:<24} {who:<22} #{e.template_id:<5} {e.template}"))
    if len(mined.timeline) > TIMELINE_HEAD:
        out.append(f"  … and {len(mined.timeline) - TIMELINE_HEAD} more")
    if mined.correlations:
        out += ["", "after the run's events:"]
        out += [_cut(f"  {iso(c.at)} {c.event}: {c.note}") for c in mined.correlations]
    return "\n".join(out) + "\n"


def _counts(counts: dict[str, int], top: int = 8) -> str:
    shown = ", ".join(f"{k} {v}" for k, v in list(counts.items())[:top]) or "-"
    return shown + (f", … {len(counts) - top} more" if len(counts) > top else "")


def _messages(lines: TextIO) -> Iterator[str]:
    for line in lines:
        yield line.rstrip("\r\n")


def _cut(text: str) -> str:
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"
