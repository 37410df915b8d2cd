"""Watching rollback policies while a release is under test: an apscheduler job reads each policy's
metric for each service it covers every interval and feeds the pure `PolicyState`.

The reading comes from a callable (the run's telemetry: the recorder or Prometheus); a reading
that fails is a gap, never an exception out of the job. A policy that fires calls `on_breach`
once per breach; after a live (not dry-run) policy has fired, the watcher stops checking, since
the release it watched is gone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler

from actions.durations import parse_duration
from actions.telemetry.policy import Decision, PolicyState, RollbackPolicy

log = logging.getLogger(__name__)

# (metric, service, window_s, min_requests) → the value, None for no data
Reading = Callable[[str, str, float, int], float | None]


@dataclass(frozen=True)
class Breach:
    policy: RollbackPolicy
    service: str
    value: float | None
    decision: Decision


class PolicyWatcher:
    """Checks `policies` against `read` every `interval_s` seconds, from an apscheduler job."""

    def __init__(
        self,
        policies: Sequence[RollbackPolicy],
        services: Sequence[str],
        read: Reading,
        on_breach: Callable[[Breach], None],
        *,
        interval_s: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.read = read
        self.on_breach = on_breach
        self.interval_s = interval_s
        self.clock = clock
        self.states = [
            PolicyState(policy, service=service)
            for policy in policies
            for service in ([policy.service] if policy.service else services)
        ]
        self.breaches: list[Breach] = []
        self.done = threading.Event()
        self._suspended = False
        self._quiet_until = 0.0
        self._lock = threading.Lock()
        self._scheduler: BackgroundScheduler | None = None

    def start(self) -> None:
        if self._scheduler is not None or not self.states:
            return
        self._scheduler = BackgroundScheduler(daemon=True, timezone="UTC")
        self._scheduler.add_job(
            self.check,
            "interval",
            seconds=self.interval_s,
            id="rollback-policies",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        self._scheduler.start()

    def stop(self) -> None:
        """Stop the job; a check in progress finishes first."""
        self.done.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None

    def suspend(self) -> None:
        """Stop judging (a chaos experiment degrades the services on purpose; its own guard
        aborts it)."""
        with self._lock:
            self._suspended = True

    def resume(self, quiet_s: float) -> None:
        """Judge again from scratch once `quiet_s` has passed (windows that still cover the
        suspended time are not judged)."""
        with self._lock:
            self._suspended = False
            self._quiet_until = self.clock() + quiet_s
            self.states = [PolicyState(s.policy, service=s.service) for s in self.states]

    def check(self) -> list[Breach]:
        """One round over every policy and service; returns the breaches that fired now."""
        fired: list[Breach] = []
        with self._lock:
            if self.done.is_set() or self._suspended or self.clock() < self._quiet_until:
                return fired
            for state in self.states:
                service = state.service or ""
                value = self._read(state.policy, service)
                decision = state.update(self.clock(), value)
                if decision.fire:
                    fired.append(Breach(state.policy, service, value, decision))
            self.breaches.extend(fired)
            if any(not breach.policy.dry_run for breach in fired):
                self.done.set()
        for breach in fired:
            try:
                self.on_breach(breach)
            except Exception:  # the watcher must outlive a failed action; the action reports
                log.exception("acting on %s failed", breach.policy.name)
        return fired

    def _read(self, policy: RollbackPolicy, service: str) -> float | None:
        try:
            window_s = parse_duration(policy.window)
            return self.read(policy.metric, service, window_s, policy.min_requests)
        except Exception as exc:  # a reading that fails is a gap
            log.warning("policy %s: no reading of %s: %s", policy.name, service, exc)
            return None
