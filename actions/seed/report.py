"""The seed report as Markdown beside the run: rows per table, and for an extract each column's
detection and transformation, k-anonymity and time. It holds no value of the data."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def write_report(path: Path, title: str, data: Mapping[str, Any], seconds: float) -> Path:
    """Write the report of a seed step's `data` (as its result keeps it) and return the path."""
    lines = [f"# {title}", "", f"Time taken: {seconds:.2f} s", "", "## Rows per table", ""]
    lines += ["| table | rows |", "| --- | --- |"]
    lines += [f"| {table} | {rows:,} |" for table, rows in (data.get("rows") or {}).items()]
    columns = data.get("columns") or []
    if columns:
        lines += ["", "## Columns", "", "| column | detected as | by | confidence | done |"]
        lines += ["| --- | --- | --- | --- | --- |"]
        lines += [
            f"| {c['table']}.{c['column']} | {c['kind']} | {c['by'] or '—'} | "
            f"{c['confidence']:.2f} | {c['how']} |"
            for c in columns
        ]
    kanon = data.get("kanon") or {}
    if kanon:
        lines += ["", "## k-anonymity of the quasi-identifiers", ""]
        lines += ["| table | k | classes | rows suppressed |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {table} | {k['k']} | {k['classes']} | {k['suppressed']} |"
            for table, k in kanon.items()
        ]
    if data.get("mode") == "synthetic":
        lines += ["", f"Schema {data.get('schema')}, seed {data.get('seed')}, scale "
                  f"{data.get('scale')}."]  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
