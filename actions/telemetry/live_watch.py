"""Early warnings from the services' own telemetry while a step runs (the run uses it for deploy).

Every interval a daemon thread reads each watched figure of each service over the last few
seconds (the built-in recorder, or Prometheus SLIs) and feeds one `early_warning.Watch` per
service and figure. The normal band is the baseline run's samples of that figure (kept by its
`analyze` step); without them, the streaming `anomaly.Detector` learns the band from the live
series. One warning per service and figure per step; a reading that fails is a gap.
The load step has its own watcher on Locust's live figures (`early_warning.EarlyWarning`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from actions.telemetry.anomaly import Detector, DetectorConfig
from actions.telemetry.early_warning import FLOORS, Band, Watch

log = logging.getLogger(__name__)

Reading = Callable[[str, str, float, int], float | None]  # (metric, service, window_s, min_req)
Reference = Mapping[str, Mapping[str, Sequence[float]]]  # service → metric → baseline values


class LiveWatch:
    """Watches `metrics` of `services` during one step; warns through `warn`."""

    def __init__(
        self,
        step: str,
        services: Sequence[str],
        metrics: Sequence[str],
        read: Reading,
        warn: Callable[[str], None],
        *,
        reference: Reference | None = None,
        reference_label: str = "the baseline run",
        window_s: float = 5.0,
        min_requests: int = 5,
        interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.step, self.read, self.warn = step, read, warn
        self.reference_label = reference_label
        self.window_s, self.min_requests, self.interval_s = window_s, min_requests, interval_s
        self.clock = clock
        self.started = clock()
        reference = reference or {}
        self.watches = {
            (service, metric): Watch(
                band=Band.from_reference(
                    reference.get(service, {}).get(metric, ()), floor=FLOORS.get(metric, 1e-9)
                ),
                detector=Detector(DetectorConfig(direction="increase")),
            )
            for service in services
            for metric in metrics
        }
        self.warnings: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None and self.watches:
            self._thread = threading.Thread(target=self._loop, name="live-watch", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> LiveWatch:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def check(self) -> list[str]:
        """One round of readings; returns the warnings it raised."""
        raised: list[str] = []
        elapsed = self.clock() - self.started
        for (service, metric), watch in self.watches.items():
            try:
                value = self.read(metric, service, self.window_s, self.min_requests)
            except Exception as exc:  # a reading that fails is a gap
                log.warning("live watch: no reading of %s %s: %s", service, metric, exc)
                continue
            if value is None or not watch.update(elapsed, value):
                continue
            where = (
                f"above {watch.band.high:.3g}, the normal band of {self.reference_label}"
                if watch.band
                else "outside the band learned so far in this step"
            )
            raised.append(
                f"{self.step}: {service} {metric} {value:.3g} after {elapsed:.0f}s is {where}"
            )
        for message in raised:
            self.warnings.append(message)
            self.warn(message)
        return raised

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.check()
