"""The `chaos` step: the experiments asked for (or `chaos.ready`), one after the other."""

from __future__ import annotations

from actions.chaos.experiment import ExperimentError, experiment_path, load_experiment
from actions.chaos.inject import Injector
from actions.chaos.runner import ChaosRunner
from actions.context import RunContext
from actions.environments.base import Environment
from actions.errors import Cancelled, NotAvailable, PermissionDenied, PreprodError
from actions.result import Result, Status
from actions.telemetry.analyze import RunTelemetry


def injector_for(env: Environment) -> Injector:
    """The fault injection of an environment's kind."""
    from actions.environments.kubernetes.environment import KubernetesEnvironment
    from actions.environments.local import LocalEnvironment
    from actions.environments.local_chaos import LocalInjector

    if isinstance(env, LocalEnvironment):
        return LocalInjector(env)
    if isinstance(env, KubernetesEnvironment):
        return env.chaos_injector()
    raise NotAvailable(f"chaos is not available on {env.kind} environments")


def run(names: list[str], env: Environment, app: str | None, *, ctx: RunContext) -> Result:
    """Run each named experiment on `env`; one result, the worst of them, with all evidence."""
    if not names:
        return Result(
            step="chaos",
            status=Status.SKIPPED,
            summary="skipped: no experiment is listed in chaos.ready",
        )
    results = [_one(name, env, app, ctx=ctx) for name in names]
    if len(results) == 1:
        return results[0]
    worst = max(results, key=lambda r: r.status.rank)
    return Result(
        step="chaos",
        status=worst.status,
        summary="; ".join(r.summary for r in results),
        findings=[f for r in results for f in r.findings],
        measurements=[
            m.model_copy(update={"tags": {**m.tags, "experiment": n}})
            for n, r in zip(names, results, strict=True)
            for m in r.measurements
        ],
        artifacts=[a for r in results for a in r.artifacts],
        data={"experiments": [r.data for r in results]},
        started_at=results[0].started_at,
    )


def _one(name: str, env: Environment, app: str | None, *, ctx: RunContext) -> Result:
    settings = ctx.settings
    try:
        experiment = load_experiment(
            experiment_path(settings.resolve(settings.chaos.experiments_dir), name)
        )
    except ExperimentError as exc:
        return Result(step="chaos", status=Status.ERROR, summary=f"chaos {name}: {exc}")
    services = sorted(settings.apps[app].services) if app in settings.apps else []
    try:
        injector = injector_for(env)
    except PreprodError as exc:
        return Result(step="chaos", status=Status.ERROR, summary=f"chaos {name}: {exc}")
    telemetry = RunTelemetry(settings, env)
    try:
        runner = ChaosRunner(
            experiment,
            env.name,
            ctx=ctx,
            injector=injector,
            urls=env.urls(),
            reading=telemetry.reading,
            services=services or sorted(env.urls()),
        )
        return runner.run()
    except Cancelled:
        raise
    except PermissionDenied as exc:  # refused by the guards, rejected, or never approved
        return Result(step="chaos", status=Status.SKIPPED, summary=f"skipped: {exc}")
    except PreprodError as exc:
        return Result(step="chaos", status=Status.ERROR, summary=f"chaos {name}: {exc}")
    finally:
        telemetry.stop()
        injector.close()
