"""Automatic rollback: the config's rollback policies, watched while a release is under test.

When a live policy fires, the release is rolled back at once (from the watcher's thread, so it does
not wait for the current step), the reason goes to the run's thread as a warning, the audit log
records the rollback as done by `policy:<name>`, and the run stops its remaining steps: the
verdict is no-go with the policy as the reason. A dry-run policy only warns and records the alert;
its result is a warning in the verdict.
"""

from __future__ import annotations

import threading

from actions.context import RunContext
from actions.deploy import step as deploy_step
from actions.durations import parse_duration
from actions.environments.base import Environment, Release
from actions.result import Finding, Result, Severity, Status
from actions.telemetry.analyze import RunTelemetry
from actions.telemetry.policy import RollbackPolicy
from actions.telemetry.watch import Breach, PolicyWatcher
from storage import audit

STEP = "rollback-policy"
STEP_STOP_WAIT_S = 15.0  # how long a rollback waits for the running step to stop


class RollbackGuard:
    """Watches the policies that guard `env` for one run; `result()` says what they did."""

    def __init__(
        self,
        policies: list[RollbackPolicy],
        *,
        env: Environment,
        telemetry: RunTelemetry,
        ctx: RunContext,
        release: Release,
        interval_s: float = 1.0,
    ) -> None:
        self.env = env
        self.telemetry = telemetry
        self.ctx = ctx
        self.release = release
        self.shown = f"{release.app} {release.version}"
        self._results: list[Result] = []
        self._lock = threading.Lock()
        guarding = [p for p in policies if p.guards(env.name)]
        self.watcher = PolicyWatcher(
            guarding, telemetry.services, telemetry.reading, self._act, interval_s=interval_s
        )

    def start(self) -> None:
        self.watcher.start()
        if self.watcher.states:
            names = sorted({s.policy.name for s in self.watcher.states})
            self.ctx.progress(f"watching rollback policies: {', '.join(names)}")

    def stop(self) -> None:
        self.watcher.stop()

    def suspend(self) -> None:
        self.watcher.suspend()

    def resume(self) -> None:
        """Judge again once the policies' longest window no longer covers the suspended time."""
        windows = [parse_duration(s.policy.window) for s in self.watcher.states]
        self.watcher.resume(max(windows, default=0.0))

    def result(self) -> Result | None:
        """One result for everything the policies did in this run; None when none fired."""
        with self._lock:
            parts = list(self._results)
        if not parts:
            return None
        return Result(
            step=STEP,
            status=max((p.status for p in parts), key=lambda s: s.rank),
            summary="; ".join(p.summary for p in parts),
            findings=[f for p in parts for f in p.findings],
            measurements=[m for p in parts for m in p.measurements],
            data={"breaches": [p.data for p in parts]},
            started_at=parts[0].started_at,
        )

    def _act(self, breach: Breach) -> None:
        policy, reason = breach.policy, breach.decision.reason
        user = f"policy:{policy.name}"
        args = [self.env.name, breach.service, policy.metric, policy.breach]
        if policy.dry_run:
            self.ctx.warn(f"{reason}; dry run: {self.shown} would be rolled back")
            self._record(user, args, "dry-run", reason)
            self._add(
                Result(
                    step=STEP,
                    status=Status.WARN,
                    summary=f"dry run: {reason}",
                    findings=[_finding(Severity.MEDIUM, policy, reason)],
                    data={"policy": policy.name, "service": breach.service, "dry_run": True},
                )
            )
            return
        self.ctx.warn(f"{reason}; rolling back {self.shown} on {self.env.name}")
        self.telemetry.freeze()
        self._record(user, args, "started", reason)
        # Stop the step first (its traffic would hit the release mid-rollback), then roll back.
        self.ctx.abort(f"stopped by rollback policy {policy.name}")
        if not self.ctx.idle.wait(STEP_STOP_WAIT_S):
            self.ctx.warn(f"the current step did not stop in {STEP_STOP_WAIT_S:g}s; rolling back")
        rolled = deploy_step.withdraw(self.release, env=self.env, ctx=self.ctx)
        done = rolled.status == Status.PASS
        self._record(user, args, "done" if done else "failed", rolled.summary)
        outcome = f"rolled back: {rolled.summary}" if done else f"rollback failed: {rolled.summary}"
        self.ctx.warn(f"policy {policy.name}: {outcome}")
        self._add(
            Result(
                step=STEP,
                status=Status.FAIL if done else Status.ERROR,
                summary=f"{reason}; {outcome}",
                findings=[_finding(Severity.CRITICAL, policy, reason), *rolled.findings],
                measurements=rolled.measurements,
                data={
                    "policy": policy.name,
                    "service": breach.service,
                    "value": breach.value,
                    "rollback": rolled.data,
                },
            )
        )

    def _record(self, user: str, args: list[str], outcome: str, detail: str) -> None:
        audit.record(
            self.ctx.store,
            user=user,
            surface="policy",
            verb="rollback",
            args=args,
            outcome=outcome,
            detail=detail,
            run_id=int(self.ctx.run_id),
        )

    def _add(self, result: Result) -> None:
        with self._lock:
            self._results.append(result)


def _finding(severity: Severity, policy: RollbackPolicy, reason: str) -> Finding:
    return Finding(
        severity=severity, title=f"rollback policy {policy.name} breached", evidence=reason
    )
