"""The `analyze` step: what the services themselves measured during the run, per service.

On the local kind with no Prometheus configured (the embedded default) a `Recorder` scrapes every
service's `/metrics` from the end of the deploy; with Prometheus configured, its SLIs are queried
over the run's window instead. Either way the step returns one Result whose measurements are
tagged by service, so SLOs can name them (`analyze.p95_ms` with `endpoint: storefront`).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from actions.config import Settings
from actions.durations import parse_duration
from actions.environments.base import Environment
from actions.result import Measurement, Result, Status, utcnow
from actions.telemetry.prometheus import Prometheus
from actions.telemetry.recorder import Recorder
from actions.telemetry.regression import JudgeSettings
from actions.telemetry.samples import RunSamples, from_prometheus, from_recorder

FIGURES = {"rps": "req/s", "error_rate_pct": "%", "p50_ms": "ms", "p95_ms": "ms", "p99_ms": "ms"}


class RunTelemetry:
    """Telemetry of one run, started once the release is deployed."""

    def __init__(self, settings: Settings, env: Environment) -> None:
        self.settings = settings
        self.env = env
        self.started = time.time()
        self.ended: float | None = None  # frozen: the run's figures stop here (a rollback)
        self.marks: dict[str, tuple[float, float]] = {}  # step → (start, end), epoch seconds
        self.recorder: Recorder | None = None
        self._client: Prometheus | None = None
        if settings.telemetry.prometheus is None and env.kind == "local":
            # the services' own addresses where they sit behind fault sidecars (local chaos)
            targets = getattr(env, "metrics_urls", env.urls)()
            self.recorder = Recorder(targets, interval_s=1.0)
            self.recorder.start()

    def stop(self) -> None:
        if self.recorder is not None:
            self.recorder.stop()

    def freeze(self) -> None:
        """End the run's window now: what follows (e.g. the release rolled back) is not its own."""
        if self.ended is None:
            if self.recorder is not None:
                self.recorder.scrape_once()
            self.ended = time.time()

    def mark(self, step: str, start: float, end: float) -> None:
        """Remember when a step ran: the judge's samples come from the load's window."""
        self.marks[step] = (start, end)

    def samples(self, judge: JudgeSettings) -> RunSamples:
        """The judge's samples: per service and judged figure, one value per `judge.step` over
        the load (the whole run without one); with a canary whose SLIs name `{track}`, also the
        baseline pods' values over the same window."""
        window, (start, end) = (
            ("load", self.marks["load"])
            if "load" in self.marks
            else ("run", (self.started, self.ended or time.time()))
        )
        step_s = parse_duration(judge.step)
        names = [m.name for m in judge.metrics]
        if self.recorder is not None:
            found = from_recorder(
                self.recorder,
                [n for n in names if n in FIGURES],
                start=start,
                end=end,
                step_s=step_s,
                min_requests=judge.min_requests,
            )
            return RunSamples(window, found)
        if self.settings.telemetry.prometheus is None:
            return RunSamples(window, {})
        slis = [s for s in self.settings.telemetry.slis if s.name in names]
        env_config = self.settings.environments[self.env.name]
        services = sorted(self.env.urls())

        def query(track: str) -> dict[str, dict[str, list[float]]]:
            return from_prometheus(
                self._prometheus(),
                slis,
                services,
                namespace=env_config.namespace or "",
                start=start,
                end=end,
                step_s=step_s,
                track=track,
            )

        if env_config.canary and any("{track}" in s.query for s in slis):
            return RunSamples(window, query("canary"), query(""))
        return RunSamples(window, query(""))

    def _prometheus(self) -> Prometheus:
        assert self.settings.telemetry.prometheus is not None
        if self._client is None:
            self._client = Prometheus(
                self.settings.telemetry.prometheus,
                credentials=self.settings.credentials("prometheus"),
            )
        return self._client

    @property
    def services(self) -> list[str]:
        return sorted(self.env.urls())

    def reading(
        self, metric: str, service: str, window_s: float, min_requests: int = 0
    ) -> float | None:
        """A metric of a service over the last `window_s` seconds; None when there is no data
        (on the recorder, also when the window saw fewer than `min_requests` requests).

        `metric` is a recorder figure (`p95_ms`, `error_rate_pct`, …) on the built-in recorder,
        an SLI name with Prometheus. Raises `PreprodError` when Prometheus cannot answer.
        """
        now = time.time()
        if self.recorder is not None:
            if metric not in FIGURES:
                return None
            stats = self.recorder.window(service, now - window_s, now)
            if stats is None or stats.requests < min_requests:
                return None
            value: float | None = getattr(stats, metric)
            return value
        if self.settings.telemetry.prometheus is None:
            return None
        sli = next((s for s in self.settings.telemetry.slis if s.name == metric), None)
        if sli is None:
            return None
        namespace = self.settings.environments[self.env.name].namespace or ""
        return self._prometheus().sli(
            sli, service=service, namespace=namespace, window=f"{max(int(window_s), 1)}s"
        )

    def result(self) -> Result:
        """The run's figures per service, from the recorder or Prometheus."""
        started, end = utcnow(), self.ended or time.time()
        measurements: list[Measurement] = []
        if self.recorder is not None:
            if self.ended is None:
                self.recorder.scrape_once()
            for service in self.recorder.targets:
                stats = self.recorder.window(service, self.started, end)
                if stats is None:
                    continue
                for name, unit in FIGURES.items():
                    value = getattr(stats, name)
                    if value is not None:
                        measurements.append(
                            Measurement(
                                name=name,
                                value=round(value, 3),
                                unit=unit,
                                tags={"endpoint": service},
                            )
                        )
            source = "the services' own /metrics"
        elif self.settings.telemetry.prometheus is not None:
            prometheus = self._prometheus()
            at = datetime.fromtimestamp(end, UTC)
            window = f"{max(int(end - self.started), 1)}s"
            namespace = self.settings.environments[self.env.name].namespace or ""
            for service in self.env.urls() or {}:
                for sli in self.settings.telemetry.slis:
                    value = prometheus.sli(
                        sli, service=service, namespace=namespace, window=window, at=at
                    )
                    if value is not None:
                        measurements.append(
                            Measurement(
                                name=sli.name,
                                value=round(value, 3),
                                unit=sli.unit,
                                tags={"endpoint": service},
                            )
                        )
            source = "Prometheus"
        else:
            return Result(
                step="analyze",
                status=Status.SKIPPED,
                summary="skipped: no telemetry source for this environment",
            )
        if not measurements:
            return Result(
                step="analyze",
                status=Status.WARN,
                started_at=started,
                summary=f"no figures from {source} for this run",
            )
        services = sorted({m.tags["endpoint"] for m in measurements})
        return Result(
            step="analyze",
            status=Status.PASS,
            summary=f"{', '.join(services)} from {source} over {end - self.started:.0f}s",
            measurements=measurements,
            started_at=started,
        )
