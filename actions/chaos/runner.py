"""Running one chaos experiment: guards, approval, steady state, faults, abort, rollbacks, result.

The order is the safety: the guards first (nothing acts when they refuse); the environment's lock
in storage; every undo on record before its fault acts; rollbacks in a `finally`, from what is
on record, so that a crash leaves them to the start-up recovery (`recovery.py`) instead of
leaving a fault in place. The kill switch (`chaos stop`, another process) and a cancel are
checked every tick, about once a second, as are the experiment's abort thresholds.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from actions.chaos import approval
from actions.chaos.experiment import Experiment, Fault, Pause
from actions.chaos.guards import Reading, abort_decision, check, plan_rollbacks
from actions.chaos.inject import Injector
from actions.chaos.outcome import Check, Marks, Phase, error_budget, impact, judge
from actions.chaos.probing import Prober
from actions.chaos.report import chart, result_data
from actions.chaos.traffic import TrafficGenerator
from actions.chaos.undo import rollback_steps, run_undo
from actions.context import RunContext
from actions.result import Result, utcnow
from storage import chaos as chaos_store

TICK_S = 1.0
Reader = Callable[[str, str, float], float | None]  # (metric, service, window s) → value


@dataclass
class _State:
    checks: list[Check] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    injected_at: float | None = None
    removed_at: float | None = None
    active: int = 0
    ending: str = "done"
    reasons: list[str] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)


class Stop(Exception):
    """The method stops early: the kill switch, a cancel, or an abort threshold."""


class ChaosRunner:
    """One experiment on one environment, from the guards to the result."""

    def __init__(
        self,
        experiment: Experiment,
        env_name: str,
        *,
        ctx: RunContext,
        injector: Injector,
        urls: dict[str, str],
        reading: Reader,
        services: list[str],
    ) -> None:
        self.exp, self.env_name, self.ctx = experiment, env_name, ctx
        self.injector, self.urls, self.services = injector, urls, services
        self.name = experiment.name or experiment.title
        self.prober = Prober(experiment.steady_state, urls, reading)
        self.state = _State()
        self.exp_id = 0

    def run(self) -> Result:
        started = utcnow()
        settings = self.ctx.settings
        held = chaos_store.active_experiment(self.ctx.store, self.env_name)
        verdict = check(
            self.exp,
            self.env_name,
            settings.environments[self.env_name],
            settings.chaos,
            replicas=self.injector.replicas(),
            active=[held["experiment"]] if held and held["owner_alive"] else [],
            services=self.services,
        )
        if verdict.needs_approval:
            approval.wait(self.ctx, self.name, self.env_name, verdict.approval_role or "")
        self.exp_id = chaos_store.start_experiment(
            self.ctx.store,
            run_id=int(self.ctx.run_id),
            environment=self.env_name,
            experiment=self.name,
            owner_pid=os.getpid(),
        )
        for step in rollback_steps(self.exp, self.injector, self.env_name, self.urls):
            chaos_store.record_applied(self.ctx.store, self.exp_id, step)
        traffic = self._traffic()
        origin = time.time()
        status: chaos_store.FinalStatus = "done"
        left = ["the rollbacks did not run"]
        try:
            status = self._method()
        finally:
            try:
                left = self._rollback()
                self._recover()
            finally:
                if traffic is not None:
                    traffic.stop()
                self.prober.close()
                if left:
                    # kept for the start-up recovery; the environment is free meanwhile
                    chaos_store.leave_for_recovery(self.ctx.store, self.exp_id)
                else:
                    chaos_store.finish_experiment(self.ctx.store, self.exp_id, status)
        return self._result(started, origin, traffic, left)

    # -- phases ------------------------------------------------------------------------

    def _method(self) -> chaos_store.FinalStatus:
        st = self.state
        try:
            self.ctx.progress(f"chaos {self.name}: checking the steady state before any fault")
            self._settle(self.exp.steady_state.window)
            self._check("before", self.exp.steady_state.window)
            if self.prober.broken(st.checks, "before"):
                st.ending = "not_started"
                return "done"
            for index, action in enumerate(self.exp.method):
                if isinstance(action, Pause):
                    self.ctx.progress(f"{action.label}: {action.duration:g}s")
                    self._hold(action.duration)
                else:
                    self._fault(index, action)
        except Stop as stop:
            st.reasons.append(str(stop))
            return "aborted" if st.ending == "aborted" else "stopped"
        return "done"

    def _fault(self, index: int, fault: Fault) -> None:
        st = self.state
        store, ref = self.ctx.store, f"{self.exp_id}-{index}"
        undo = self.injector.prepare(fault, ref)
        [step] = [s for s in plan_rollbacks(self.exp, [index]) if s.kind == "undo"]
        record = {**step.__dict__, "environment": self.env_name, "data": undo}
        position = chaos_store.record_applied(store, self.exp_id, record)
        st.active += 1
        st.injected_at = st.injected_at or time.time()
        try:
            done = self.injector.apply(fault, undo)
            self._event("fault", done)
            self._hold(fault.duration)
        finally:
            self._event("undo", run_undo(self.injector, record, self.urls))
            chaos_store.mark_rolled_back(store, self.exp_id, position)
            st.active -= 1
            if st.active == 0:
                st.removed_at = time.time()

    def _hold(self, seconds: float) -> None:
        """Tick until `seconds` have passed: check the probes, the guard and the kill switch."""
        end = time.monotonic() + seconds
        while True:
            self._stop_if_asked()
            phase: Phase = "during" if self.state.active else "recovery"
            self._check(phase, self._window())
            self._abort_if_breached()
            left = end - time.monotonic()
            if left <= 0:
                return
            self.ctx.cancel_event.wait(min(TICK_S, left))

    def _settle(self, seconds: float) -> None:
        """Wait before the first check (the traffic fills the window); the kill switch works."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self._stop_if_asked()
            self.ctx.cancel_event.wait(min(TICK_S, left))

    def _rollback(self) -> list[str]:
        """Every undo still on record, latest first: also what a stop or a failure left.

        Returns what could not be undone (each tried again at the next start of preprod)."""
        left = []
        for pending in chaos_store.pending_rollbacks(self.ctx.store):
            if pending["id"] != self.exp_id:
                continue
            for item in pending["steps"]:
                try:
                    done = run_undo(self.injector, item["step"], self.urls)
                except Exception as exc:  # one failed undo must not keep the others from running
                    failed = f"{item['step']['description']}: {exc}"
                    self.ctx.warn(f"rollback {failed} (tried again at the next start of preprod)")
                    left.append(failed)
                    continue
                chaos_store.mark_rolled_back(self.ctx.store, self.exp_id, item["position"])
                self._event("rollback", done)
        if self.state.removed_at is None and self.state.injected_at is not None:
            self.state.removed_at = time.time()
        return left

    def _recover(self) -> None:
        """After the rollbacks: tick until the steady state holds again, then check it once."""
        st = self.state
        if st.injected_at is None:
            return
        deadline = time.monotonic() + self.exp.steady_state.recovery
        while time.monotonic() < deadline:
            at = self._check("recovery", self._window())
            if all(c.holds for c in st.checks if c.at == at):
                break
            time.sleep(TICK_S)
        time.sleep(min(self.exp.steady_state.window, 2 * TICK_S))
        self._check("after", self._window())

    # -- helpers -----------------------------------------------------------------------

    def _window(self) -> float:
        """The SLO window of a check now: never reaching back before the latest change."""
        st = self.state
        changed = max(t for t in (st.injected_at, st.removed_at, 0.0) if t is not None)
        since = time.time() - changed if changed else float("inf")
        return max(TICK_S, min(self.exp.steady_state.window, since))

    def _check(self, phase: Phase, window_s: float) -> float:
        at = time.time()
        before = {c.probe: c.value for c in self.state.checks if c.phase == "before"}
        for found in self.prober.check(at, phase, window_s, before):
            self.state.checks.append(found)
            if found.metric is not None and phase == "during":
                reading = Reading(at, found.metric, found.service, found.value)
                self.state.readings.append(reading)
        return at

    def _abort_if_breached(self) -> None:
        decision = abort_decision(self.exp.guard, self.state.readings, time.time())
        if decision.abort:
            self.state.ending = "aborted"
            self.ctx.warn(f"chaos {self.name}: aborting: {'; '.join(decision.reasons)}")
            raise Stop("; ".join(decision.reasons))

    def _stop_if_asked(self) -> None:
        if chaos_store.stop_requested(self.ctx.store, self.exp_id):
            self.state.ending = "stopped"
            raise Stop("chaos stop was asked")
        if self.ctx.cancel_event.is_set():
            self.state.ending = "stopped"
            raise Stop(self.ctx.abort_reason or "the run was cancelled")

    def _traffic(self) -> TrafficGenerator | None:
        traffic = self.exp.traffic
        if traffic is None:
            return None
        return TrafficGenerator(traffic, self.urls[traffic.service]).start()

    def _event(self, kind: str, message: str) -> None:
        self.state.timeline.append({"at": time.time(), "kind": kind, "message": message})
        self.ctx.progress(f"chaos {self.name}: {message}")
        # kept with the run's events: insight correlates the services' logs with faults
        self.ctx.emit("chaos", f"chaos {self.name}: {kind}: {message}", action=kind)

    def _result(
        self, started: Any, origin: float, traffic: TrafficGenerator | None, left: list[str]
    ) -> Result:
        st = self.state
        marks = Marks(st.injected_at, st.removed_at, time.time())
        budget = None
        if traffic is not None and st.injected_at is not None:
            budget = error_budget(
                traffic.observations(),
                st.injected_at,
                marks.ended_at or time.time(),
                self.exp.error_budget,
            )
        service = self.exp.traffic.service if self.exp.traffic else None
        verdict = judge(
            self.exp.title,
            st.checks,
            marks,
            ending=st.ending,  # type: ignore[arg-type]
            reasons=st.reasons,
            budget=budget,
            recovery_s=self.exp.steady_state.recovery,
            service=service,
            not_undone=left,
        )
        artifacts = []
        if traffic is not None:
            path = self.ctx.step_dir("chaos") / f"{self.name}.png"
            made = chart(self.exp.title, traffic.observations(), origin, marks, path)
            if made is not None:
                artifacts.append(made)
        return Result(
            step="chaos",
            status=verdict.status,
            summary=verdict.summary,
            findings=verdict.findings,
            measurements=verdict.measurements
            + (impact(traffic.observations(), marks, origin) if traffic is not None else []),
            artifacts=artifacts,
            data=result_data(self.name, self.env_name, verdict, st.checks, st.timeline, marks),
            started_at=started,
        )
