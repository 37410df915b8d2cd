"""Executing a plan: the ordered steps of a run, each result stored as it finishes."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from actions.chaos import step as chaos_step
from actions.config import STEPS, Settings
from actions.context import RunContext
from actions.defects.filing import file_findings
from actions.defects.recheck import find_defect, settle, verdict
from actions.defects.tracker import make_tracker
from actions.defects.triage import summary_by_severity
from actions.deploy import parity
from actions.deploy import step as deploy_step
from actions.environments.base import Environment, Release
from actions.environments.factory import open_environment
from actions.environments.kubernetes.environment import KubernetesEnvironment
from actions.errors import Cancelled, PreprodError
from actions.insight.redact import redact, redact_result
from actions.insight.run_insight import mine_service_logs, narrate, run_events
from actions.report import baseline
from actions.report.charts import history_of, load_chart
from actions.report.comparison import baseline_table
from actions.report.gate import GO, GO_WITH_RISK, GateOutcome, evaluate
from actions.report.readiness import render_html, render_markdown
from actions.result import Artifact, Result, Status, utcnow
from actions.run_watch import RunWatch, baseline_run, result_of
from actions.scan import step as scan_step
from actions.scan.config import resolve_source
from actions.scan.step import ScanRequest
from actions.telemetry.charts import series_from_history
from actions.telemetry.early_warning import EarlyWarning
from actions.testing import cluster_load, e2e, load
from storage import runs

LATER = {
    "seed": "data seeding",
}


class RunRequest(BaseModel):
    verb: str
    app: str | None = None
    version: str | None = None
    baseline: str | None = None
    environment: str
    plan: list[str]
    load_users: int | None = None
    load_duration: str | None = None
    load_workers: int | None = None
    select: str = "all"  # e2e: smart, all, or a pattern
    budget: str | None = None  # e2e with select smart: the time to spend
    experiment: str | None = None  # chaos: the experiment to run (default: chaos.ready)
    recheck: str | None = None  # recheck: the defect whose check the plan re-runs


class RunOutcome(BaseModel):
    results: list[Result] = Field(default_factory=list)
    gate: GateOutcome | None = None
    report_path: str | None = None
    cancelled: bool = False


EnvFactory = Callable[[Settings, str], Environment]


def execute(
    request: RunRequest, *, ctx: RunContext, env_factory: EnvFactory = open_environment
) -> RunOutcome:
    """Run each step of the plan in order; stop acting after a failed deploy or a cancel."""
    env = env_factory(ctx.settings, request.environment)
    if request.app is None and request.verb != "rollback":
        state = env.status()
        if state.app:
            runs.update_run(ctx.store, int(ctx.run_id), app=state.app, version=state.version)
            request = request.model_copy(update={"app": state.app, "version": state.version})
    outcome = RunOutcome()
    blocked: str | None = None
    deployed_here = False
    watch = RunWatch(request, env, ctx)
    if "deploy" not in request.plan:
        watch.start()
    try:
        for position, step in enumerate(request.plan):
            ctx.step = step
            if step == "report":
                continue
            if blocked is None and ctx.abort_reason:
                blocked = ctx.abort_reason
            if blocked is None and ctx.cancelled:
                blocked = "the run was cancelled"
                outcome.cancelled = True
            runs.start_step(ctx.store, int(ctx.run_id), position, step)
            ctx.emit("step_started", f"{step} started")
            if step == "analyze" and (not blocked or ctx.abort_reason):
                # Also after a policy's rollback: the figures up to it are the evidence.
                result = watch.analyze()
            elif blocked:
                result = _skipped(step, blocked)
            else:
                begun = time.time()
                try:
                    with ctx.acting(), watch.live(step), watch.suspended(step):
                        result = _run_step(step, request, env=env, ctx=ctx)
                except Cancelled:
                    if ctx.abort_reason:
                        blocked = ctx.abort_reason
                        result = Result(
                            step=step, status=Status.SKIPPED, summary=f"stopped: {blocked}"
                        )
                    else:
                        outcome.cancelled = True
                        blocked = "the run was cancelled"
                        result = Result(step=step, status=Status.ERROR, summary="cancelled")
                if step == "deploy":
                    deployed_here = True
                    if result.status != Status.PASS:
                        blocked = "the deploy did not succeed"
                    else:
                        watch.start()
                watch.mark(step, begun)
            _finish(ctx, position, result, outcome)
        if request.recheck and not outcome.cancelled:
            settled = _settle_recheck(request, outcome, ctx=ctx)
            _finish(ctx, len(request.plan) + 1, settled, outcome)
        policy_result = watch.stop_guard()
        if policy_result is not None:
            _finish(ctx, len(request.plan), policy_result, outcome)
        if "report" in request.plan:
            ctx.step = "report"
            position = request.plan.index("report")
            runs.start_step(ctx.store, int(ctx.run_id), position, "report")
            _finish(ctx, position, _report(request, outcome, ctx=ctx, env=env), outcome)
    finally:
        ctx.step = None
        watch.stop()
        env_config = ctx.settings.environments[request.environment]
        if deployed_here and env_config.teardown_after_run and request.verb == "ready":
            ctx.progress(f"tearing down {request.environment}")
            env.teardown()
    return outcome


def _finish(ctx: RunContext, position: int, result: Result, outcome: RunOutcome) -> None:
    result = redact_result(result)
    runs.save_result(ctx.store, int(ctx.run_id), position, result)
    outcome.results.append(result)
    said = result.summary.removeprefix(f"{result.status.value}: ")  # "skipped: skipped: …"
    ctx.emit("step_finished", f"{result.step} {result.status.value}: {said}")


def _skipped(step: str, reason: str) -> Result:
    return Result(step=step, status=Status.SKIPPED, summary=f"skipped: {reason}")


def _run_step(step: str, request: RunRequest, *, env: Environment, ctx: RunContext) -> Result:
    if step in LATER:
        return _skipped(step, f"{LATER[step]} is not available in this version")
    if step == "deploy":
        release = Release(app=request.app or "", version=request.version or "")
        return deploy_step.deploy(release, env=env, ctx=ctx)
    if step == "rollback":
        return deploy_step.rollback(env=env, ctx=ctx)
    if step == "parity":
        candidate = set(ctx.settings.apps[request.app].services) if request.app else set()
        return parity.run(request.environment, request.app, candidate, ctx=ctx)
    app_name = request.app
    if not app_name or app_name not in ctx.settings.apps:
        return _skipped(step, f"nothing is deployed on {env.name}")
    app = ctx.settings.apps[app_name]
    urls = env.urls()
    if step == "e2e":
        if app.e2e is None:
            return _skipped(step, f"{app_name} has no e2e suite configured")
        return e2e.run(
            e2e.E2ERequest(
                config=app.e2e,
                urls=urls,
                version=request.version or "",
                base_dir=ctx.settings.base_dir,
                select=request.select,
                budget_s=e2e.budget_seconds(request.budget),
                app=app_name,
                baseline=request.baseline or app.baseline,
                releases_dir=ctx.settings.resolve(app.releases_dir) if app.releases_dir else None,
            ),
            ctx=ctx,
            logs=lambda service: env.logs(service, tail=500),
        )
    if step == "load":
        if app.load is None:
            return _skipped(step, f"{app_name} has no load profile configured")
        overrides = {
            "users": request.load_users,
            "duration": request.load_duration,
            "workers": request.load_workers,
        }
        config = app.load.model_copy(update={k: v for k, v in overrides.items() if v is not None})
        if config.service not in urls:
            return Result(
                step=step,
                status=Status.ERROR,
                summary=f"service {config.service!r} is not running on {env.name}",
            )
        load_request = load.LoadRequest(
            config=config, host=urls[config.service], base_dir=ctx.settings.base_dir
        )
        if config.workers and isinstance(env, KubernetesEnvironment):
            image = ctx.settings.environments[env.name].load_image
            return cluster_load.run(load_request, ctx=ctx, runner=env.load_runner(), image=image)
        watch = _early_warning(request, ctx)
        ctx.handlers.append(watch)
        try:
            return load.run(load_request, ctx=ctx)
        finally:
            ctx.handlers.remove(watch)
    if step == "scan":
        return _scan(request, app_name, urls, ctx=ctx)
    if step == "chaos":
        names = [request.experiment] if request.experiment else ctx.settings.chaos.ready
        return chaos_step.run(names, env, app_name, ctx=ctx)
    raise PreprodError(f"unknown step {step!r}; steps are {', '.join(STEPS)}")


def _scan(request: RunRequest, app_name: str, urls: dict[str, str], *, ctx: RunContext) -> Result:
    """Security scans of the release's source and of its deployed endpoints."""
    app = ctx.settings.apps[app_name]
    releases = ctx.settings.resolve(app.releases_dir) if app.releases_dir else None
    version = request.version or ""
    try:
        source = resolve_source(
            app.scan,
            base_dir=ctx.settings.base_dir,
            version=version,
            release_dir=releases / version if releases and version else None,
        )
    except ValueError as exc:
        return Result(step="scan", status=Status.ERROR, summary=f"scan: {exc}")
    request_ = ScanRequest(
        config=app.scan, source_dir=source, urls=urls, base_dir=ctx.settings.base_dir
    )
    return scan_step.run(request_, ctx=ctx)


def _with_baseline(request: RunRequest, results: list[Result], ctx: RunContext) -> list[Result]:
    if not request.app:
        return results
    table = baseline_table(
        ctx.store, ctx.settings.gate, request.app, request.baseline, int(ctx.run_id)
    )
    return baseline.with_baseline(results, table)


def _early_warning(request: RunRequest, ctx: RunContext) -> EarlyWarning:
    """A watcher of the load's live figures, with the baseline run's load as the normal band."""
    rows = history_of(_baseline_load(request, ctx))
    series = series_from_history("baseline", rows)
    reference = {
        "p95_ms": [v for v in series.percentiles.get("95%", []) if v is not None],
        "error_rate_pct": series.error_rate_pct,
    }
    label = f"{request.app} {request.baseline}" if request.baseline else "the baseline run"
    return EarlyWarning("load", reference, ctx.warn, reference_label=label)


def _baseline_load(request: RunRequest, ctx: RunContext) -> Result | None:
    """The load step of the latest comparison run, for the chart."""
    found = baseline_run(request, ctx)
    return result_of(ctx, found, "load") if found else None


def _report(
    request: RunRequest, outcome: RunOutcome, *, ctx: RunContext, env: Environment
) -> Result:
    started = utcnow()
    results = _with_baseline(request, outcome.results, ctx)
    gate = evaluate(results, ctx.settings.slos, ctx.settings.gate)
    outcome.gate = gate
    defects = _file_defects(request, results, ctx=ctx) if request.verb == "ready" else None
    ctx.progress("mining the services' logs and drafting the summary")
    summary, mined = _narrative(request, results, gate, ctx=ctx, env=env)
    run = runs.get_run(ctx.store, int(ctx.run_id)) or {}
    out_dir = Path(ctx.step_dir("report"))
    artifacts = []
    chart = load_chart(
        results,
        _baseline_load(request, ctx),
        out_dir,
        label=f"{request.app} {request.version}",
        baseline_label=f"{request.app} {request.baseline}" if request.baseline else "baseline",
    )
    if chart is not None:
        artifacts.append(chart)
    artifacts += _step_charts(results, out_dir)
    path, html = out_dir / "readiness.md", out_dir / "readiness.html"
    for target, render in ((path, render_markdown), (html, render_html)):
        text = render(
            run,
            results,
            gate,
            ctx.settings.gate,
            charts=artifacts,
            narrative=summary,
            defects=defects,
        )
        target.write_text(text, encoding="utf-8")
    outcome.report_path = str(path)
    status = {GO: Status.PASS, GO_WITH_RISK: Status.WARN}.get(gate.verdict, Status.FAIL)
    return Result(
        step="report",
        status=status,
        summary=f"verdict {gate.verdict}" + (f", SLO score {gate.score:g}%" if gate.score else ""),
        artifacts=[
            Artifact(name="readiness.md", path=str(path), kind="report"),
            Artifact(name="readiness.html", path=str(html), kind="report"),
            *artifacts,
        ],
        data={
            "gate": gate.model_dump(),
            "verdict": gate.verdict,
            "mined": mined,
            "narrative": summary,
            "defects": defects,
        },
        started_at=started,
    )


def _settle_recheck(request: RunRequest, outcome: RunOutcome, *, ctx: RunContext) -> Result:
    """After a recheck's step: resolve the defect when its finding is gone, else comment."""
    key, step = request.recheck or "", request.plan[0]
    try:
        tracker = make_tracker(ctx.settings, ctx.store, os.environ)
        defect = find_defect(tracker, key)
        found = verdict(defect.fingerprint, outcome.results, step)
        done = settle(tracker, key, found, int(ctx.run_id))
    except PreprodError as exc:
        return Result(step="recheck", status=Status.ERROR, summary=f"{key}: {exc}")
    status = {"fixed": Status.PASS, "still failing": Status.FAIL}.get(found.outcome, Status.WARN)
    return Result(step="recheck", status=status, summary=done, data={"defect": key})


def _file_defects(request: RunRequest, results: list[Result], *, ctx: RunContext) -> dict[str, Any]:
    """File the run's findings in the defect tracker (triaged, de-duplicated by fingerprint);
    a tracker that fails is said in the report, it does not fail the run."""
    run = runs.get_run(ctx.store, int(ctx.run_id)) or {"id": int(ctx.run_id)}
    try:
        tracker = make_tracker(ctx.settings, ctx.store, os.environ)
        filing = file_findings(results, run=run, settings=ctx.settings, tracker=tracker)
        release = request.version
        still_open = [d for d in tracker.list(release) if d.status == "open"]
    except PreprodError as exc:
        ctx.warn(f"defects were not filed: {exc}")
        return {"error": str(exc)}
    if filing.filed or filing.matched:
        ctx.progress(f"defects: {filing.summary}")
    return {
        "tracker": filing.tracker,
        "summary": filing.summary,
        "filed": [f.model_dump() for f in filing.filed],
        "matched": [f.model_dump() for f in filing.matched],
        "open": summary_by_severity(still_open),
        "open_keys": [f"{d.key} ({d.severity}) {d.title}" for d in still_open[:20]],
    }


def _narrative(
    request: RunRequest,
    results: list[Result],
    gate: GateOutcome,
    *,
    ctx: RunContext,
    env: Environment,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The report's summary (LLM or built-in) and the mined logs of the run's services."""
    app = ctx.settings.apps.get(request.app or "")
    events = run_events(ctx.store, int(ctx.run_id))
    mined = mine_service_logs(env, sorted(app.services), events) if app else None
    drafted = narrate(
        ctx.settings,
        ctx.store,
        int(ctx.run_id),
        results,
        verdict=gate.verdict,
        reasons=gate.reasons,
        mined=mined,
        events=events,
    )
    summary = {
        "text": redact(drafted.text),
        "source": drafted.source,
        "model": drafted.model,
        "fallback": drafted.fallback_reason,
    }
    return summary, mined


def _step_charts(results: list[Result], out_dir: Path) -> list[Artifact]:
    """Charts the steps drew themselves (a chaos experiment's), copied beside the report."""
    copied = []
    for result in results:
        for artifact in result.artifacts:
            source = Path(artifact.path)
            if artifact.kind != "chart" or not source.is_file():
                continue
            target = out_dir / f"{result.step}-{source.name}"
            shutil.copyfile(source, target)
            copied.append(Artifact(name=target.name, path=str(target), kind="chart"))
    return copied
