"""The parity step: how far a pre-production environment is from its production twin."""

from __future__ import annotations

from actions.context import RunContext
from actions.result import Result, Status, utcnow


def run(environment: str, app: str | None, candidate: set[str], *, ctx: RunContext) -> Result:
    """Compare the environment's workloads, config and flags with its production twin."""
    started = utcnow()
    env = ctx.settings.environments[environment]
    if env.kind != "kubernetes" or not env.production_twin:
        return _skipped(started, f"{environment} has no Kubernetes production twin to compare with")
    twin = ctx.settings.environments[env.production_twin]
    if twin.kind != "kubernetes":
        return _skipped(started, f"the twin {env.production_twin} is not a Kubernetes environment")
    app_name = app or next(iter(ctx.settings.apps))
    services = ctx.settings.apps[app_name].services
    # Imported here: only Kubernetes environments need the client library loaded.
    from actions.environments.kubernetes.client import connect
    from actions.environments.kubernetes.parity import compare, parity_result
    from actions.environments.kubernetes.snapshot import take_snapshot

    ctx.progress(f"reading {environment} and {env.production_twin}")
    pre_api = connect(environment, env, ctx.settings.base_dir)
    prod_api = connect(env.production_twin, twin, ctx.settings.base_dir)
    try:
        pre = take_snapshot(pre_api, services, flags_configmap=env.flags_configmap)
        prod = take_snapshot(prod_api, services, flags_configmap=twin.flags_configmap)
    finally:
        pre_api.close()
        prod_api.close()
    findings = compare(pre, prod, candidate, pre_name=environment, prod_name=env.production_twin)
    result = parity_result(findings, environment, env.production_twin)
    return result.model_copy(update={"started_at": started, "finished_at": utcnow()})


def _skipped(started: object, reason: str) -> Result:
    return Result(step="parity", status=Status.SKIPPED, summary=f"skipped: {reason}")
