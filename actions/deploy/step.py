"""The deploy and rollback steps: an environment's outcome turned into a Result."""

from __future__ import annotations

import time
from collections.abc import Callable

from actions.context import RunContext
from actions.environments.base import DeployOutcome, Environment, Release
from actions.errors import NoPreviousRelease, PreprodError
from actions.result import Finding, Measurement, Result, Severity, Status, utcnow


def deploy(release: Release, *, env: Environment, ctx: RunContext) -> Result:
    """Deploy the release and wait until it is healthy; FAIL with the evidence when not."""
    return outcome_result("deploy", lambda: env.deploy(release, ctx.progress), env=env)


def rollback(*, env: Environment, ctx: RunContext) -> Result:
    """Go back to the previously deployed release."""
    return outcome_result("rollback", lambda: env.rollback(ctx.progress), env=env)


def teardown(*, env: Environment, ctx: RunContext) -> Result:
    """Stop what preprod runs on the environment (local: every service process; Kubernetes:
    only the canaries it made, never the cluster's own workloads); say what is left."""
    started = utcnow()
    try:
        before = env.status()
        ctx.progress(f"tearing down {env.name}")
        env.teardown()
        left = [s.name for s in env.status().services]
    except PreprodError as exc:
        return Result(step="teardown", status=Status.ERROR, summary=str(exc), started_at=started)
    gone = [s.name for s in before.services if s.name not in left]
    release = f"{before.app} {before.version}" if before.app and before.version else ""
    if not before.services:
        summary = f"nothing was running on {env.name}"
    elif gone:
        summary = f"stopped {release or 'the services'} on {env.name} ({', '.join(gone)})"
    else:
        summary = f"nothing of {env.name}'s to stop"
    if left:
        summary += f"; still running, not preprod's to stop: {', '.join(left)}"
    return Result(
        step="teardown",
        status=Status.PASS,
        summary=summary,
        data={"stopped": gone, "left": left},
        started_at=started,
        finished_at=utcnow(),
    )


def withdraw(release: Release, *, env: Environment, ctx: RunContext) -> Result:
    """Take a bad release out of service: roll back, or stop it when nothing ran before it."""

    def act() -> DeployOutcome:
        try:
            return env.rollback(ctx.progress)
        except NoPreviousRelease:
            shown = f"{release.app} {release.version}"
            ctx.progress(f"no previous release on {env.name}: stopping {shown}")
            env.teardown()
            return DeployOutcome(
                ok=True,
                summary=f"no previous release on {env.name}, so {shown} was stopped instead",
                release=release,
            )

    return outcome_result("rollback", act, env=env)


def outcome_result(step: str, act: Callable[[], DeployOutcome], *, env: Environment) -> Result:
    started = utcnow()
    clock = time.monotonic()
    try:
        outcome = act()
    except PreprodError as exc:
        return Result(
            step=step,
            status=Status.ERROR,
            summary=str(exc),
            findings=[
                Finding(severity=Severity.HIGH, title=f"{step} could not run", evidence=str(exc))
            ],
            started_at=started,
        )
    elapsed = time.monotonic() - clock
    release = outcome.release
    findings = []
    if not outcome.ok:
        findings.append(
            Finding(
                severity=Severity.CRITICAL,
                title=f"{step} of {release.app} {release.version} failed on {env.name}",
                evidence="\n".join(outcome.details[-40:]),
            )
        )
    return Result(
        step=step,
        status=Status.PASS if outcome.ok else Status.FAIL,
        summary=outcome.summary,
        findings=findings,
        measurements=[Measurement(name="duration_s", value=round(elapsed, 3), unit="s")],
        data={
            "release": release.model_dump(),
            "previous": outcome.previous.model_dump() if outcome.previous else None,
            "urls": outcome.urls,
            "environment": env.name,
        },
        started_at=started,
    )
