"""Executing a plan: the ordered steps of a run, each result stored as it finishes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from pydantic import BaseModel, Field

from actions.chaos import step as chaos_step
from actions.config import STEPS, Settings
from actions.context import RunContext
from actions.defects.recheck import find_defect, settle, verdict
from actions.defects.tracker import make_tracker
from actions.deploy import parity
from actions.deploy import step as deploy_step
from actions.environments.base import Environment, Release
from actions.environments.factory import open_environment
from actions.environments.kubernetes.environment import KubernetesEnvironment
from actions.environments.local import LocalEnvironment
from actions.errors import Cancelled, PreprodError
from actions.insight.redact import redact_result
from actions.report import step as report_step
from actions.report.charts import history_of
from actions.report.gate import GateOutcome
from actions.report.step import Subject
from actions.result import Result, Status
from actions.run_watch import RunWatch, baseline_run, result_of
from actions.scan import step as scan_step
from actions.scan.config import resolve_source
from actions.scan.step import ScanRequest
from actions.seed import step as seed_step
from actions.seed.config import SeedConfig
from actions.seed.step import SeedRequest, fill_secrets, resolve_databases
from actions.telemetry.charts import series_from_history
from actions.telemetry.early_warning import EarlyWarning
from actions.testing import cluster_load, e2e, load
from storage import runs


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
    seed_schema: str | None = None  # seed: a synthetic schema (default: the app's seed.synthetic)
    seed_source: str | None = None  # seed: an extract to anonymise (CSV folder, URL, SQL dump)
    seed_scale: float | None = None
    seed_seed: int | None = None


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
            subject = Subject(request.verb, request.app, request.version, request.baseline)
            made = report_step.report(
                subject,
                outcome.results,
                baseline_load=_baseline_load(request, ctx),
                ctx=ctx,
                env=env,
            )
            outcome.gate, outcome.report_path = made.gate, made.path
            _finish(ctx, position, made.result, outcome)
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
    if step == "deploy":
        release = Release(app=request.app or "", version=request.version or "")
        return deploy_step.deploy(release, env=env, ctx=ctx)
    if step == "rollback":
        return deploy_step.rollback(env=env, ctx=ctx)
    if step == "teardown":
        return deploy_step.teardown(env=env, ctx=ctx)
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
    if step == "seed":
        return _seed(request, app_name, env, ctx=ctx)
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


def _seed(request: RunRequest, app_name: str, env: Environment, *, ctx: RunContext) -> Result:
    """Synthetic data from a schema, or an anonymised extract, into the app's databases."""
    config = ctx.settings.apps[app_name].seed
    if config is None and not (request.seed_schema or request.seed_source):
        return _skipped("seed", f"{app_name} has no seed configured (apps.{app_name}.seed)")
    config = config or SeedConfig()
    data_dir = env.data_dir if isinstance(env, LocalEnvironment) else None
    local_only = [
        name
        for name, url in config.databases.items()
        if "{data_dir:" in url and name not in ctx.settings.environments[env.name].databases
    ]
    if data_dir is None and local_only:
        return _skipped(
            "seed",
            f"{', '.join(local_only)} of {app_name} are local files: set "
            f"environments.{env.name}.databases to seed {env.name}",
        )
    try:
        databases = resolve_databases(ctx.settings, app_name, env.name, data_dir)
        source = request.seed_source and fill_secrets(request.seed_source, ctx.settings, "extract")
    except PreprodError as exc:
        return Result(step="seed", status=Status.ERROR, summary=f"seed: {exc}")
    schema = request.seed_schema or config.synthetic
    key = ctx.settings.secret(config.key_env)
    seed_request = SeedRequest(
        app=app_name,
        databases=databases,
        config=config,
        schema=ctx.settings.resolve(schema) if schema and not request.seed_source else None,
        source=source or None,
        scale=request.seed_scale or config.scale,
        seed=request.seed_seed,
        key=key.encode() if key else None,
    )
    return seed_step.run(seed_request, ctx=ctx)


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


def _settle_recheck(request: RunRequest, outcome: RunOutcome, *, ctx: RunContext) -> Result:
    """After a recheck's step: resolve the defect when its finding is gone, else comment."""
    key, step = request.recheck or "", request.plan[0]
    try:
        tracker = make_tracker(ctx.settings, ctx.store, os.environ)
        defect = find_defect(tracker, key)
        found = verdict(defect.fingerprint, outcome.results, step)
        done = settle(tracker, key, found, int(ctx.run_id), store=ctx.store)
    except PreprodError as exc:
        return Result(step="recheck", status=Status.ERROR, summary=f"{key}: {exc}")
    status = {"fixed": Status.PASS, "still failing": Status.FAIL}.get(found.outcome, Status.WARN)
    return Result(step="recheck", status=status, summary=done, data={"defect": key})
