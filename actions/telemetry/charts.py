"""PNG charts of a load: latency percentiles and error rate over time, baseline beside candidate.

Rendering only, with matplotlib's object API (no pyplot: safe in the bot's job threads, no
display). The series come in as data; windows such as a ramp-up or a chaos experiment are shaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from actions.testing.locust_stats import HistoryRow

PERCENTILES = ("50%", "95%", "99%")
COLORS = {"50%": "#2c7fb8", "95%": "#d95f0e", "99%": "#756bb1"}


@dataclass(frozen=True)
class Window:
    label: str
    start_s: float
    end_s: float


@dataclass
class LoadSeries:
    """A load run as time series, seconds from its start."""

    label: str
    t: list[float] = field(default_factory=list)
    percentiles: dict[str, list[float | None]] = field(default_factory=dict)
    error_rate_pct: list[float] = field(default_factory=list)


def series_from_history(label: str, rows: Sequence[HistoryRow]) -> LoadSeries:
    """Aggregated history rows as series; the error rate is per interval, not cumulative."""
    rows = [r for r in rows if r.name == "Aggregated"]
    series = LoadSeries(label=label, percentiles={p: [] for p in PERCENTILES})
    if not rows:
        return series
    start = rows[0].timestamp
    previous: HistoryRow | None = None
    for row in rows:
        series.t.append(float(row.timestamp - start))
        for p in PERCENTILES:
            series.percentiles[p].append(row.percentiles.get(p))
        requests = row.total_requests - (previous.total_requests if previous else 0)
        failures = row.total_failures - (previous.total_failures if previous else 0)
        series.error_rate_pct.append(100.0 * failures / requests if requests > 0 else 0.0)
        previous = row
    return series


def ramp_up(label: str, rows: Sequence[HistoryRow]) -> Window | None:
    """The window while users were still being spawned."""
    rows = [r for r in rows if r.name == "Aggregated"]
    if not rows:
        return None
    peak = max(r.users for r in rows)
    done = next((r.timestamp for r in rows if r.users >= peak), rows[0].timestamp)
    return Window(label, 0.0, float(done - rows[0].timestamp)) if done > rows[0].timestamp else None


def render_load_chart(
    candidate: LoadSeries,
    path: Path,
    *,
    baseline: LoadSeries | None = None,
    windows: Sequence[Window] = (),
    title: str = "",
    xlabel: str = "seconds from the start of the load",
) -> Path:
    """Two panels (latency percentiles; error rate) written as a PNG at `path`."""
    from matplotlib.figure import Figure  # slow to import: only when a chart is drawn

    fig = Figure(figsize=(9, 6))
    latency, errors = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    for run, style in ((candidate, "-"), (baseline, "--")):
        if run is None or not run.t:
            continue
        for p in PERCENTILES:
            points = [(t, v) for t, v in zip(run.t, run.percentiles.get(p, []), strict=False)]
            xs = [t for t, v in points if v is not None]
            ys = [v for _, v in points if v is not None]
            if xs:
                latency.plot(xs, ys, style, color=COLORS[p], label=f"{run.label} p{p[:-1]}")
        errors.plot(run.t, run.error_rate_pct, style, color="#e31a1c", label=run.label)
    for window in windows:
        for axis in (latency, errors):
            axis.axvspan(window.start_s, window.end_s, color="#999999", alpha=0.15)
        latency.text(
            window.start_s,
            1.0,
            f" {window.label}",
            transform=latency.get_xaxis_transform(),
            va="top",
            fontsize=8,
            color="#555555",
        )
    latency.set_ylabel("latency (ms)")
    latency.set_ylim(bottom=0)
    if latency.get_lines():
        latency.legend(fontsize=8, ncol=2, loc="upper right")
    latency.grid(alpha=0.3)
    errors.set_ylabel("errors (%)")
    errors.set_xlabel(xlabel)
    errors.set_ylim(bottom=0)
    if errors.get_lines():
        errors.legend(fontsize=8, loc="upper right")
    errors.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path
