"""An experiment's evidence for people: a chart of what users saw, and the result's data."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from actions.chaos.outcome import Check, Judgement, Marks, per_second
from actions.chaos.traffic import Observation
from actions.result import Artifact
from actions.telemetry.charts import LoadSeries, Window, render_load_chart

MAX_CHECKS = 400  # kept in the result; a long experiment keeps its latest


def chart(
    title: str, observations: Sequence[Observation], origin: float, marks: Marks, path: Path
) -> Artifact | None:
    """Latency (p50, p95) and errors of the experiment's traffic per second, faults shaded."""
    rows = per_second(observations, origin)
    if not rows:
        return None
    series = LoadSeries(
        label="traffic",
        t=[r[0] for r in rows],
        percentiles={"50%": [r[1] for r in rows], "95%": [r[2] for r in rows]},
        error_rate_pct=[r[3] for r in rows],
    )
    windows = []
    if marks.injected_at is not None:
        end = marks.removed_at or marks.ended_at or marks.injected_at
        windows.append(Window("faults", marks.injected_at - origin, end - origin))
    render_load_chart(
        series,
        path,
        windows=windows,
        title=f"Chaos: {title}",
        xlabel="seconds from the start of the experiment's traffic",
    )
    return Artifact(name=path.name, path=str(path), kind="chart")


def result_data(
    name: str,
    environment: str,
    verdict: Judgement,
    checks: Sequence[Check],
    timeline: Sequence[dict[str, Any]],
    marks: Marks,
) -> dict[str, Any]:
    return {
        "experiment": name,
        "environment": environment,
        "hypothesis": {
            p.phase: {"held": p.held, "checks": p.checks, "broken": list(p.broken)}
            for p in verdict.phases
        },
        "marks": {
            "injected_at": marks.injected_at,
            "removed_at": marks.removed_at,
            "ended_at": marks.ended_at,
        },
        "timeline": list(timeline),
        "checks": [
            {
                "at": c.at,
                "phase": c.phase,
                "probe": c.probe,
                "value": c.value,
                "holds": c.holds,
                "detail": c.detail,
            }
            for c in checks[-MAX_CHECKS:]
        ],
    }
