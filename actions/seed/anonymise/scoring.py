"""How well detection and anonymisation do on a labelled extract (tests, the benchmark).

The extract's `labels.json` gives the kind of every column (`"none"` for plain ones) and every
planted personal value. A column is a true positive when it holds personal data and detection
says it does (its kind right or not: `kind_accuracy` says how often it is); a planted value is
removed when it appears in no cell of the anonymised tables, not even inside another value.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from actions.seed.anonymise.detect import detect_columns
from actions.seed.anonymise.run import anonymise
from actions.seed.anonymise.sources import read_extract
from actions.seed.anonymise.table import Table

SCORING_KEY = b"detection-scores-key-0000000001"


def _ratio(a: int, b: int) -> float:
    return round(a / b, 3) if b else 1.0


def _blind(tables: dict[str, Table], labels: dict[str, Any]) -> None:
    """Columns renamed `c1`, `c2`, ...: detection left with the values alone."""
    for name, table in tables.items():
        new = {c: f"c{i}" for i, c in enumerate(table.columns, start=1)}
        table.rows = [{new[c]: v for c, v in row.items()} for row in table.rows]
        table.columns = [new[c] for c in table.columns]
        labels["columns"][name] = {new[c]: k for c, k in labels["columns"][name].items()}
        for v in labels["values"]:
            if v["table"] == name:
                v["column"] = new[v["column"]]


def detection_scores(
    fixture_dir: str | Path, *, key: bytes = SCORING_KEY, blind: bool = False
) -> dict[str, Any]:
    """Per-column precision and recall of detection, per kind, and the share of planted values
    that anonymisation removed; `blind` hides the column names. Names columns, never values."""
    folder = Path(fixture_dir)
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    tables = read_extract(str(folder))
    if blind:
        _blind(tables, labels)
    counts: Counter[str] = Counter()
    per_kind: dict[str, Counter[str]] = {}
    mistakes = []
    for name, table in tables.items():
        for finding in detect_columns(name, table.by_column()):
            truth = labels["columns"][name][finding.column]
            said = finding.kind
            counts["tp" if truth != "none" and said != "none" else ""] += 1
            counts["fp" if truth == "none" and said != "none" else ""] += 1
            counts["fn" if truth != "none" and said == "none" else ""] += 1
            counts["kind_right" if truth != "none" and said == truth else ""] += 1
            for kind, hit in ((truth, "support"), (said, "said")):
                if kind != "none":
                    per_kind.setdefault(kind, Counter())[hit] += 1
            if truth == said and truth != "none":
                per_kind[truth]["right"] += 1
            if truth != said:
                mistakes.append(f"{name}.{finding.column}: labelled {truth}, detected {said}")
    out, report = anonymise(tables, key)
    cells = "\x00".join(
        v for t in out.values() for row in t.rows for v in row.values() if v is not None
    )
    planted = {v["value"] for v in labels["values"]}
    left = sorted({f"{v['table']}.{v['column']}" for v in labels["values"] if v["value"] in cells})
    removed = sum(1 for value in planted if value not in cells)
    return {
        "columns": sum(len(t.columns) for t in tables.values()),
        "pii_columns": counts["tp"] + counts["fn"],
        "tp": counts["tp"],
        "fp": counts["fp"],
        "fn": counts["fn"],
        "precision": _ratio(counts["tp"], counts["tp"] + counts["fp"]),
        "recall": _ratio(counts["tp"], counts["tp"] + counts["fn"]),
        "kind_accuracy": _ratio(counts["kind_right"], counts["tp"]),
        "per_kind": {
            kind: {
                "precision": _ratio(c["right"], c["said"]),
                "recall": _ratio(c["right"], c["support"]),
                "columns": c["support"],
            }
            for kind, c in sorted(per_kind.items())
        },
        "mistakes": mistakes,
        "values_planted": len(planted),
        "values_removed": removed,
        "value_recall": _ratio(removed, len(planted)),
        "values_left_in": left,
        "seconds": report.seconds,
    }
