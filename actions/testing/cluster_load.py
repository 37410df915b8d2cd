"""The load step's distributed mode on Kubernetes: the same locustfile or traffic profile, run by
a Locust master Job and worker Jobs in the environment's namespace (`load_jobs.py`).

The files travel in a ConfigMap (for a profile: the generic harness and the profile, which the
image must be able to import: the preprod image). Progress is the Jobs' state; the statistics
come from the master's log; the Result is built as for a local run.
"""

from __future__ import annotations

from pathlib import Path

from actions.context import RunContext
from actions.durations import parse_duration
from actions.environments.kubernetes.load_jobs import MOUNT, ClusterLoad, LoadJob, stats_from_log
from actions.errors import PreprodError
from actions.result import Artifact, Result, utcnow
from actions.testing import load
from actions.testing.locust_json import parse_stats_json
from actions.testing.locust_stats import LocustStatsError
from actions.testing.process import harness_error
from actions.testing.profile import PROFILE_ENV, ProfileError


def run(
    request: load.LoadRequest, *, ctx: RunContext, runner: ClusterLoad, image: str | None
) -> Result:
    """Run the load as Jobs; raise `Cancelled` if cancelled (the Jobs are deleted either way)."""
    started = utcnow()
    ctx.check_cancelled()
    config = request.config
    if not image:
        return harness_error(
            load.STEP,
            started,
            "distributed load on Kubernetes needs `load_image` in the environment's config: "
            "an image with Locust (the preprod image, for a traffic profile)",
        )
    try:
        locustfile, profile, env = load.script_of(request)
        shape, duration_s = load.load_shape(config, profile)
        timeout_s = max(parse_duration(config.timeout), duration_s + load.TIMEOUT_MARGIN_S)
    except (FileNotFoundError, ProfileError, ValueError) as exc:
        return harness_error(load.STEP, started, f"load config is invalid: {exc}")
    files = {"locustfile.py": locustfile.read_text(encoding="utf-8")}
    job_env: dict[str, str] = {}
    if profile is not None:
        files["profile.yaml"] = Path(env[PROFILE_ENV]).read_text(encoding="utf-8")
        job_env[PROFILE_ENV] = f"{MOUNT}/profile.yaml"
    job = LoadJob(
        run=f"run-{ctx.run_id}",
        image=image,
        files=files,
        locustfile="locustfile.py",
        headless_args=[
            *("-u", str(shape.users), "-r", f"{shape.spawn_rate:g}"),
            *("-t", f"{shape.run_s}s", "--host", request.host),
        ],
        workers=config.workers,
        timeout_s=timeout_s,
        env=job_env,
    )
    ctx.progress(
        f"load: {shape.users} users on {request.host} for {duration_s:g}s, "
        f"a master and {config.workers} workers as Jobs ({image})"
    )
    outcome = runner.run(job, cancel_event=ctx.cancel_event, progress=ctx.progress)
    if outcome.cancelled:
        ctx.check_cancelled()
    log_path = ctx.step_dir(load.STEP) / "locust-master.log"
    log_path.write_text(outcome.log, encoding="utf-8")
    artifacts = [Artifact(name="locust master output", path=str(log_path), kind="log")]
    if outcome.timed_out:
        summary = f"the load Jobs did not finish in {timeout_s:g}s"
        return harness_error(load.STEP, started, summary, None, artifacts)
    if outcome.state == "failed":
        last = outcome.log.strip().splitlines()[-1:] or ["(no output)"]
        summary = f"the Locust master Job failed: {last[0][:300]}"
        return harness_error(load.STEP, started, summary, None, artifacts)
    try:
        stats = parse_stats_json(stats_from_log(outcome.log))
    except (PreprodError, LocustStatsError) as exc:
        return harness_error(load.STEP, started, f"no statistics from the master: {exc}")
    return load.stats_result(
        stats,
        request,
        started=started,
        shape=shape,
        profile=profile,
        duration_s=duration_s,
        artifacts=artifacts,
        prefix=ctx.step_dir(load.STEP) / "locust",
    )
