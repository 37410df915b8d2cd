"""Early warnings while a step runs: a live metric that leaves its normal band is said at once.

The normal band comes from the baseline run's own series for that metric (median ± 4 robust
spreads, with a floor of 5% of the median), so a candidate is judged against what the baseline
did under the same load; without a baseline, the streaming `anomaly.Detector` learns the band
from the live series itself. Two points of the last three outside the band raise one warning per
metric. The watcher listens to the step's progress events; the decision logic is pure.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from actions.context import Event
from actions.telemetry.anomaly import Detector, DetectorConfig

METRICS = {"p95_ms": ("p95 latency", "ms"), "error_rate_pct": ("error rate", "%")}
FLOORS = {"p95_ms": 5.0, "error_rate_pct": 0.5}  # the least spread that counts, in the unit


@dataclass(frozen=True)
class Band:
    low: float
    high: float

    @classmethod
    def from_reference(
        cls, values: Sequence[float], sigmas: float = 4.0, floor: float = 1e-9
    ) -> Band | None:
        """The normal band of a reference series; None with fewer than 3 points."""
        if len(values) < 3:
            return None
        median = statistics.median(values)
        q = statistics.quantiles(values, n=4)
        spread = max((q[2] - q[0]) / 1.349, 0.05 * abs(median), floor)
        return cls(median - sigmas * spread, median + sigmas * spread)


@dataclass
class Watch:
    """One metric: outside its band (above, as latency and errors only hurt upwards)?"""

    band: Band | None
    detector: Detector | None = None
    recent: deque[bool] = field(default_factory=lambda: deque(maxlen=3))
    warned: bool = False

    def update(self, t: float, value: float) -> bool:
        """True once, when the metric has left its band (2 of the last 3 points)."""
        if self.band is not None:
            self.recent.append(value > self.band.high)
            outside = sum(self.recent) >= 2
        else:
            assert self.detector is not None
            outside = self.detector.update(t, value).alert
        if outside and not self.warned:
            self.warned = True
            return True
        return False


class EarlyWarning:
    """Listens to a step's progress events and warns through `warn` when a metric breaks out."""

    def __init__(
        self,
        step: str,
        reference: Mapping[str, Sequence[float]],
        warn: Callable[[str], None],
        *,
        reference_label: str = "the baseline",
    ) -> None:
        self.step = step
        self.warn = warn
        self.reference_label = reference_label
        self.watches = {
            name: Watch(
                band=Band.from_reference(reference.get(name, ()), floor=FLOORS[name]),
                detector=Detector(DetectorConfig(direction="increase")),
            )
            for name in METRICS
        }

    def __call__(self, event: Event) -> None:
        if event.kind != "progress" or event.step != self.step:
            return
        t = float(event.data.get("elapsed_s") or 0.0)
        for name, watch in self.watches.items():
            value = event.data.get(name)
            if not isinstance(value, int | float) or not watch.update(t, float(value)):
                continue
            label, unit = METRICS[name]
            where = (
                f"above {watch.band.high:.3g} {unit}, the normal band of {self.reference_label}"
                if watch.band
                else "outside the band learned so far"
            )
            self.warn(f"{self.step}: {label} {value:.3g} {unit} after {t:.0f}s is {where}")
