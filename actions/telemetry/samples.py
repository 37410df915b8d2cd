"""The judge's samples of a run: per service and figure, the values of consecutive windows.

From the built-in recorder, one value per non-overlapping window of the services' own histograms
(windows with too few requests are dropped); from Prometheus, a range query per SLI with the step
as both the query step and its `{window}`. With a canary and SLIs that name `{track}`, the same
queries for the baseline pods give a baseline from the same window, as Kayenta compares them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from actions.telemetry.prometheus import Prometheus, render
from actions.telemetry.recorder import Recorder
from actions.telemetry.settings import SLI

ByService = dict[str, dict[str, list[float]]]  # service → figure → window values


@dataclass(frozen=True)
class RunSamples:
    window: str  # "load" (the load step's window) or "run"
    candidate: ByService
    baseline: ByService | None = None  # from the same window (a canary's baseline pods)


def from_recorder(
    recorder: Recorder,
    names: Sequence[str],
    *,
    start: float,
    end: float,
    step_s: float,
    min_requests: int,
) -> ByService:
    """Each service's figures `names` per window of about `step_s` between `start` and `end`."""
    found: ByService = {}
    for service in recorder.targets:
        windows = [
            stats
            for at, stats in recorder.windows(service, step_s)
            if start < at <= end + step_s / 2 and stats.requests >= min_requests
        ]
        found[service] = {
            name: [v for v in (getattr(w, name, None) for w in windows) if v is not None]
            for name in names
        }
    return _kept(found)


def from_prometheus(
    prometheus: Prometheus,
    slis: Sequence[SLI],
    services: Sequence[str],
    *,
    namespace: str,
    start: float,
    end: float,
    step_s: float,
    track: str = "",
) -> ByService:
    """Each SLI's values per `step_s` for each service, for the pods of `track`."""
    span = [datetime.fromtimestamp(t, UTC) for t in (start, end)]
    step = f"{max(int(step_s), 1)}s"
    found: ByService = {}
    for service in services:
        for sli in slis:
            query = render(sli, service=service, namespace=namespace, window=step, track=track)
            points = prometheus.range(query, span[0], span[1], step=step)
            found.setdefault(service, {})[sli.name] = [p.value * sli.scale for p in points]
    return _kept(found)


def _kept(found: ByService) -> ByService:
    """Services with at least one value."""
    return {service: by_name for service, by_name in found.items() if any(by_name.values())}
