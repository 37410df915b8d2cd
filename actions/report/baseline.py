"""Baselines for relative objectives: earlier runs' measurements, averaged (Keptn). Pure."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from actions.result import Result

Key = tuple[str, str, str]


def key(step: str, name: str, tags: Mapping[str, str]) -> Key:
    return (step, name, json.dumps(dict(tags), sort_keys=True))


def average(runs: Iterable[Iterable[Mapping[str, Any]]]) -> dict[Key, float]:
    """Per measurement, the mean of its values over the comparison runs that have it."""
    sums: dict[Key, list[float]] = defaultdict(list)
    for rows in runs:
        for row in rows:
            sums[key(row["step"], row["name"], row["tags"])].append(float(row["value"]))
    return {k: sum(v) / len(v) for k, v in sums.items()}


def with_baseline(results: list[Result], table: Mapping[Key, float]) -> list[Result]:
    """Copies of the results whose measurements carry their baseline value, where known."""
    updated = []
    for result in results:
        copy = result.model_copy(deep=True)
        for m in copy.measurements:
            m.baseline = table.get(key(copy.step, m.name, m.tags))
        updated.append(copy)
    return updated
