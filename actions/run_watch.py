"""What watches a run while a release is under test: its telemetry (for `analyze` and the
regression judge), its rollback policies, and live early warnings during deploy steps."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from actions.context import RunContext
from actions.deploy.guard import RollbackGuard
from actions.environments.base import Environment, Release
from actions.result import Result, Status
from actions.telemetry.analyze import RunTelemetry
from actions.telemetry.live_watch import LiveWatch
from actions.telemetry.regression import with_judgement
from storage import runs

if TYPE_CHECKING:
    from actions.plan import RunRequest

# The load step watches Locust's own live figures; a chaos step its own probes and guard (a
# generic warning there would only say that the fault works).
LIVE_STEPS = ("deploy",)
UNDER_TEST = {"seed", "e2e", "load", "scan", "chaos", "analyze"}  # steps a policy watches over


class RunWatch:
    """The run's telemetry and rollback policies, from when a release is there to watch."""

    def __init__(self, request: RunRequest, env: Environment, ctx: RunContext) -> None:
        self.env, self.ctx, self.request = env, ctx, request
        self.release = Release(app=request.app or "", version=request.version or "")
        self.wanted = "analyze" in request.plan
        self.guarded = bool(UNDER_TEST & set(request.plan)) and any(
            p.guards(env.name) for p in ctx.settings.rollback_policies
        )
        self.telemetry: RunTelemetry | None = None
        self.guard: RollbackGuard | None = None

    def start(self) -> None:
        """The release is there: watch its telemetry and the policies that guard it."""
        if (self.wanted or self.guarded) and self.telemetry is None:
            self.telemetry = RunTelemetry(self.ctx.settings, self.env)
        if self.guarded and self.guard is None and self.telemetry is not None:
            self.guard = RollbackGuard(
                self.ctx.settings.rollback_policies,
                env=self.env,
                telemetry=self.telemetry,
                ctx=self.ctx,
                release=self.release,
            )
            self.guard.start()

    def live(self, step: str) -> AbstractContextManager[object]:
        """Early warnings from the services' telemetry while `step` runs (deploy).

        A deploy is watched only with Prometheus: the built-in recorder scrapes a release's
        services, which only exist once the deploy is done.
        """
        if step not in LIVE_STEPS:
            return nullcontext()
        telemetry = self.telemetry
        if telemetry is None and self.ctx.settings.telemetry.prometheus is not None:
            telemetry = RunTelemetry(self.ctx.settings, self.env)
        if telemetry is None:
            return nullcontext()
        services = telemetry.services
        if not services and self.request.app in self.ctx.settings.apps:
            services = sorted(self.ctx.settings.apps[self.request.app].services)
        found = baseline_run(self.request, self.ctx)
        reference = result_of(self.ctx, found, "analyze") if found else None
        judge = self.ctx.settings.telemetry.judge
        return LiveWatch(
            step,
            services,
            [m.name for m in judge.metrics if m.direction != "decrease"],
            telemetry.reading,
            self.ctx.warn,
            reference=reference.data.get("samples") if reference else None,
            reference_label=f"{found['app']} {found['version']}" if found else "the baseline",
            min_requests=judge.min_requests,
        )

    @contextmanager
    def suspended(self, step: str) -> Iterator[None]:
        """Rollback policies do not judge a chaos step: it degrades the services on purpose,
        and its own guard aborts it when the harm goes past its thresholds. The run's figures
        (`analyze`) end where it begins."""
        if step != "chaos":
            yield
            return
        if self.telemetry is not None:
            # the run's own figures end where the faults begin: they are not the release's
            self.telemetry.freeze()
        if self.guard is None:
            yield
            return
        self.guard.suspend()
        try:
            yield
        finally:
            self.guard.resume()

    def mark(self, step: str, started: float) -> None:
        if self.telemetry is not None:
            self.telemetry.mark(step, started, time.time())

    def analyze(self) -> Result:
        """The run's own figures, judged against the baseline run's samples of the same kind."""
        if self.telemetry is None:
            return Result(
                step="analyze", status=Status.SKIPPED, summary="skipped: nothing was deployed"
            )
        result = self.telemetry.result()
        if result.status == Status.SKIPPED:
            return result
        judge = self.ctx.settings.telemetry.judge
        samples = self.telemetry.samples(judge)
        baseline: Mapping[str, Any] | None
        if samples.baseline is not None:  # a canary: its baseline pods, in the same window
            baseline, against = samples.baseline, "the baseline pods in the same window"
        else:
            found = baseline_run(self.request, self.ctx)
            run = result_of(self.ctx, found, "analyze") if found else None
            baseline = run.data.get("samples") if run else None
            against = (
                f"{found['app']} {found['version']} (run {found['id']})"
                if found
                else "a baseline run"
            )
        return with_judgement(
            result,
            judge,
            window=samples.window,
            samples=samples.candidate,
            baseline=baseline,
            against=against,
        )

    def stop_guard(self) -> Result | None:
        """Stop watching the policies; what they did, as one result (None if nothing fired)."""
        if self.guard is None:
            return None
        self.guard.stop()
        return self.guard.result()

    def stop(self) -> None:
        if self.guard is not None:
            self.guard.stop()
        if self.telemetry is not None:
            self.telemetry.stop()


def baseline_run(request: RunRequest, ctx: RunContext) -> dict[str, Any] | None:
    """The latest comparison run of the gate (the baseline version's, when one is named)."""
    if not request.app:
        return None
    gate = ctx.settings.gate
    found = runs.comparison_runs(
        ctx.store,
        request.app,
        request.baseline,
        verdicts=gate.comparison_verdicts,
        before=int(ctx.run_id),
    )
    return found[0] if found else None


def result_of(ctx: RunContext, run: dict[str, Any], step: str) -> Result | None:
    for body in runs.results_of(ctx.store, run["id"]):
        if body["step"] == step:
            return Result.model_validate(body)
    return None
