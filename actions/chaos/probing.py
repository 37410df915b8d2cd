"""Checking an experiment's steady state now: its HTTP probes answered, its SLO probes read."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import httpx

from actions.chaos.outcome import Check, Phase
from actions.chaos.probes import HttpProbe, SloProbe, SteadyState
from actions.errors import PreprodError

Reader = Callable[[str, str, float], float | None]


class Prober:
    """Runs every probe of a steady state; each check says whether its tolerance held."""

    def __init__(
        self,
        steady: SteadyState,
        urls: Mapping[str, str],
        reading: Reader,
        *,
        client: httpx.Client | None = None,
    ) -> None:
        self.steady = steady
        self.urls = dict(urls)
        self.reading = reading
        self._client = client or httpx.Client()

    def check(
        self, at: float, phase: Phase, window_s: float, before: Mapping[str, float | None]
    ) -> list[Check]:
        """One check of each probe; `before` holds the values of the check before any fault
        (for relative tolerances such as `<= +10%`)."""
        found = []
        for probe in self.steady.probes:
            if isinstance(probe, HttpProbe):
                found.append(self._http(probe, at, phase))
            else:
                found.append(self._slo(probe, at, phase, window_s, before.get(probe.label)))
        return found

    @staticmethod
    def broken(checks: Sequence[Check], phase: Phase) -> bool:
        return any(c.holds is False for c in checks if c.phase == phase)

    def close(self) -> None:
        self._client.close()

    def _http(self, probe: HttpProbe, at: float, phase: Phase) -> Check:
        url = self.urls.get(probe.service)
        if url is None:
            return Check(at, phase, probe.label, None, False, f"{probe.service} is not running")
        began = time.perf_counter()
        try:
            response = self._client.request(
                probe.method, url.rstrip("/") + probe.path, timeout=probe.timeout
            )
        except httpx.HTTPError as exc:
            reason = "timed out" if isinstance(exc, httpx.TimeoutException) else "no answer"
            return Check(at, phase, probe.label, None, False, f"{reason}: {type(exc).__name__}")
        ms = (time.perf_counter() - began) * 1000
        if response.status_code not in probe.statuses:
            return Check(at, phase, probe.label, ms, False, f"status {response.status_code}")
        if probe.tolerance is not None and not probe.tolerance.holds(ms):
            return Check(at, phase, probe.label, ms, False, f"{ms:.0f} ms, not {probe.tolerance}")
        return Check(at, phase, probe.label, ms, True, f"status {response.status_code}")

    def _slo(
        self, probe: SloProbe, at: float, phase: Phase, window_s: float, before: float | None
    ) -> Check:
        where = dict(metric=probe.metric, service=probe.service)
        try:
            value = self.reading(probe.metric, probe.service or "", window_s)
        except PreprodError as exc:
            return Check(at, phase, probe.label, None, None, f"no reading: {exc}", **where)
        if value is None:
            return Check(at, phase, probe.label, None, None, "no data", **where)
        holds = probe.tolerance.holds(value, before)
        detail = "" if holds is not False else f"not {probe.tolerance}"
        return Check(at, phase, probe.label, value, holds, detail, **where)
