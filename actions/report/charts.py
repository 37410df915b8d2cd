"""The charts a readiness report embeds: the load's latency and errors, beside the baseline's."""

from __future__ import annotations

from pathlib import Path

from actions.result import Artifact, Result
from actions.telemetry.charts import ramp_up, render_load_chart, series_from_history
from actions.testing.locust_stats import HistoryRow, LocustStatsError, parse_history_csv

HISTORY_SUFFIX = "_stats_history.csv"


def history_of(result: Result | None) -> list[HistoryRow]:
    if result is None:
        return []
    for artifact in result.artifacts:
        path = Path(artifact.path)
        if artifact.path.endswith(HISTORY_SUFFIX) and path.exists():
            try:
                return parse_history_csv(path.read_text(encoding="utf-8"))
            except (LocustStatsError, OSError):
                return []
    return []


def load_chart(
    results: list[Result],
    baseline: Result | None,
    out_dir: Path,
    *,
    label: str,
    baseline_label: str = "baseline",
) -> Artifact | None:
    """A PNG of the load step's latency percentiles and error rate; None without a load history."""
    load = next((r for r in results if r.step == "load"), None)
    rows = history_of(load)
    if not rows:
        return None
    base_rows = history_of(baseline)
    window = ramp_up("ramp-up", rows)
    path = render_load_chart(
        series_from_history(label, rows),
        out_dir / "load.png",
        baseline=series_from_history(baseline_label, base_rows) if base_rows else None,
        windows=[window] if window else [],
        title=f"Load: {label}" + (f" against {baseline_label}" if base_rows else ""),
    )
    return Artifact(name="load.png", path=str(path), kind="chart")
