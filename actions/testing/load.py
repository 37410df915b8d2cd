"""The load step: run the app's Locust load against one service and measure what it sees.

The load is a locustfile, or a traffic profile (YAML) run by the generic harness; Locust runs in
one process, or as a master and workers (`distributed.py`). Locust always runs as a subprocess,
never imported: importing it monkey-patches this process with gevent. This step only measures;
the gate judges the numbers against the SLOs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from actions.config import LoadConfig
from actions.context import RunContext
from actions.durations import parse_duration
from actions.environments.ports import free_ports
from actions.result import (
    Artifact,
    Finding,
    Measurement,
    Result,
    Severity,
    Status,
    fingerprint,
    utcnow,
)
from actions.testing import distributed
from actions.testing.distributed import LoadShape
from actions.testing.harness import LOCUSTFILE as HARNESS
from actions.testing.locust_json import parse_stats_json
from actions.testing.locust_stats import (
    EndpointStats,
    ExceptionRow,
    LocustStats,
    LocustStatsError,
    live_stats,
    parse_exceptions_csv,
    parse_failures_csv,
    parse_history_csv,
    parse_stats_csv,
)
from actions.testing.process import ProcessOutcome, harness_error, run_process
from actions.testing.profile import PROFILE_ENV, ProfileError, TrafficProfile, load_profile

STEP = "load"
PROGRESS_EVERY_S = 3.0
TIMEOUT_MARGIN_S = 60.0
"""Without an explicit timeout, a longer profile gets its duration plus this margin."""
_OUTPUTS = ("_stats.csv", "_stats_history.csv", "_failures.csv", "_exceptions.csv", ".json")
"""The files Locust writes, by their suffix after the prefix; the extension is the artifact kind."""


class LoadRequest(BaseModel):
    """What the load step needs: the Locust profile's config and the target service's base URL."""

    model_config = ConfigDict(extra="forbid")

    config: LoadConfig
    host: str
    base_dir: Path


def load_shape(config: LoadConfig, profile: TrafficProfile | None) -> tuple[LoadShape, float]:
    """The users, spawn rate and run time of the load, and its duration in seconds.

    What the config (or the command) sets explicitly wins; else a profile's own values; else
    the config's defaults. Raises `ValueError` for a malformed duration.
    """
    explicit = config.model_fields_set
    users, rate = config.users, config.spawn_rate
    duration_s = parse_duration(config.duration)
    if profile is not None:
        users = users if "users" in explicit else profile.users
        rate = rate if "spawn_rate" in explicit else profile.rate
        duration_s = duration_s if "duration" in explicit else profile.duration_s
    return LoadShape(users, rate, max(1, math.ceil(duration_s))), duration_s


def locust_command(
    locustfile: Path, shape: LoadShape, host: str, prefix: Path, workers: int = 0
) -> list[str]:
    """The command line of a headless Locust run writing its statistics under `prefix`.

    With `workers`, a local master and that many workers (the master on a free port).
    """
    if not workers:
        return distributed.single_command(locustfile, shape, host=host, prefix=prefix)
    [port] = free_ports("127.0.0.1", 1)
    return distributed.local_command(
        locustfile, shape, host=host, prefix=prefix, workers=workers, port=port
    )


def script_of(request: LoadRequest) -> tuple[Path, TrafficProfile | None, dict[str, str]]:
    """The locustfile to run, the profile it runs (if any) and its environment.

    Raises `ProfileError` for a missing or invalid profile, `FileNotFoundError` for a missing
    locustfile.
    """
    config = request.config
    if config.profile is not None:
        path = (request.base_dir / config.profile).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"load profile not found: {path}")
        return HARNESS, load_profile(path), {PROFILE_ENV: str(path)}
    locustfile = (request.base_dir / str(config.locustfile)).resolve()
    if not locustfile.is_file():
        raise FileNotFoundError(f"locustfile not found: {locustfile}")
    return locustfile, None, {}


def run(request: LoadRequest, *, ctx: RunContext) -> Result:
    """Generate load with Locust and return its measurements. Raises `Cancelled` if cancelled."""
    started = utcnow()
    ctx.check_cancelled()
    config = request.config
    try:
        locustfile, profile, env = script_of(request)
    except FileNotFoundError as exc:
        return harness_error(STEP, started, str(exc))
    except ProfileError as exc:
        return harness_error(STEP, started, f"load profile is invalid: {exc}")
    try:
        shape, duration_s = load_shape(config, profile)
        timeout_s = parse_duration(config.timeout)
    except ValueError as exc:
        return harness_error(STEP, started, f"load config is invalid: {exc}")
    if "timeout" not in config.model_fields_set:
        timeout_s = max(timeout_s, duration_s + TIMEOUT_MARGIN_S)
    if timeout_s <= duration_s:
        return harness_error(
            STEP,
            started,
            f"load timeout {timeout_s:g}s is not longer than its duration {duration_s:g}s",
        )
    prefix = ctx.step_dir(STEP) / "locust"
    for suffix in _OUTPUTS:  # never read a previous run's numbers
        Path(f"{prefix}{suffix}").unlink(missing_ok=True)

    ctx.progress(_starting(request, profile, shape, duration_s))
    outcome = run_process(
        locust_command(locustfile, shape, request.host, prefix, config.workers),
        cwd=request.base_dir,
        log_path=prefix.with_name("locust.log"),
        timeout_s=timeout_s,
        cancel_event=ctx.cancel_event,
        extra_env=env,
        on_tick=_progress_reporter(ctx, Path(f"{prefix}_stats_history.csv")),
        tick_s=PROGRESS_EVERY_S,
    )
    # Stopped by the run itself (a rollback policy): Locust writes its figures on SIGTERM, and
    # they are the evidence of what was stopped. A person's cancel drops them.
    stopped = ctx.abort_reason if outcome.cancelled else None
    if stopped is None:
        ctx.check_cancelled()
    artifacts = [
        Artifact(name=f"locust{s}", path=f"{prefix}{s}", kind=s.rsplit(".", 1)[1])
        for s in _OUTPUTS
        if Path(f"{prefix}{s}").is_file()
    ]
    artifacts.append(Artifact(name="locust output", path=str(outcome.log_path), kind="log"))
    artifacts += [
        Artifact(name=f"locust worker {n} output", path=str(log), kind="log")
        for n, log in enumerate(distributed.worker_logs(prefix, config.workers), 1)
        if log.is_file()
    ]
    if outcome.launch_error:
        return harness_error(STEP, started, f"locust could not start: {outcome.launch_error}")
    if outcome.timed_out:
        return harness_error(
            STEP, started, f"locust timed out after {timeout_s:g}s", outcome, artifacts
        )
    if outcome.exit_code != 0 and not stopped:
        summary = f"locust exited with code {outcome.exit_code}: {outcome.last_line()}"
        return harness_error(STEP, started, summary, outcome, artifacts)
    try:
        stats = _final_stats(prefix)
    except (OSError, LocustStatsError) as exc:
        if stopped:
            ctx.check_cancelled()
        return harness_error(STEP, started, f"locust wrote no readable statistics: {exc}", outcome)
    if stopped and stats.aggregate.requests == 0:
        ctx.check_cancelled()
    return stats_result(
        stats,
        request,
        started=started,
        shape=shape,
        profile=profile,
        duration_s=duration_s,
        artifacts=artifacts,
        prefix=prefix,
        stopped=f"stopped after {outcome.elapsed_s:.0f}s ({stopped})" if stopped else None,
        outcome=outcome,
    )


def stats_result(
    stats: LocustStats,
    request: LoadRequest,
    *,
    started: datetime,
    shape: LoadShape,
    profile: TrafficProfile | None,
    duration_s: float,
    artifacts: list[Artifact],
    prefix: Path,
    stopped: str | None = None,
    outcome: ProcessOutcome | None = None,
) -> Result:
    """The load's Result from Locust's final statistics (wherever Locust ran)."""
    config = request.config
    agg = stats.aggregate
    if agg.requests == 0:
        script = "profile's endpoints" if profile else "locustfile's tasks"
        summary = f"locust made no request in {duration_s:g}s: do the {script} send any?"
        return harness_error(STEP, started, summary, outcome, artifacts)
    return Result(
        step=STEP,
        status=Status.WARN if stopped else Status.PASS,
        summary=(f"{stopped}: " if stopped else "")
        + (
            f"{agg.requests} requests at {agg.rps:.1f} req/s, p95 {_ms(agg.percentile('95%'))} ms,"
            f" {agg.error_rate_pct:.1f}% errors"
        ),
        findings=_findings(stats, prefix, config.service),
        measurements=[m for row in (*stats.endpoints, agg) for m in _measurements(row)],
        artifacts=artifacts,
        data={
            "aggregate": _row_data(agg),
            "endpoints": [_row_data(row) for row in stats.endpoints],
            "users": _peak_users(shape, profile),
            "spawn_rate": shape.spawn_rate,
            "duration_s": duration_s,
            "host": request.host,
            "workers": config.workers,
            "profile": config.profile,
        },
        started_at=started,
        finished_at=utcnow(),
    )


def _peak_users(shape: LoadShape, profile: TrafficProfile | None) -> int:
    if profile is not None and profile.stages:
        return max(stage.users for stage in profile.stages)
    return shape.users


def _starting(
    request: LoadRequest, profile: TrafficProfile | None, shape: LoadShape, duration_s: float
) -> str:
    users = f"{shape.users} users"
    if profile is not None and profile.stages:
        users = f"{len(profile.stages)} stages up to {_peak_users(shape, profile)} users"
    text = f"load: {users} on {request.host} for {duration_s:g}s"
    if request.config.profile:
        text += f", profile {request.config.profile}"
    if request.config.workers:
        text += f", {request.config.workers} workers"
    return text


def _progress_reporter(ctx: RunContext, history: Path) -> Callable[[float], None]:
    def report(elapsed_s: float) -> None:
        try:
            live = live_stats(parse_history_csv(history.read_text()))
        except (OSError, LocustStatsError):
            return  # Locust has not written its first rows yet
        if live is None:
            return
        ms = {name: getattr(live, name) for name in ("p50_ms", "p95_ms", "p99_ms")}
        text = ", ".join(f"{n[:3]} {_ms(v)} ms" for n, v in ms.items())
        ctx.progress(
            f"load: {live.rps:.1f} req/s, {text}, errors {live.error_rate_pct:.1f}%",
            rps=round(live.rps, 2),
            error_rate_pct=round(live.error_rate_pct, 2),
            requests=live.requests,
            failures=live.failures,
            users=live.users,
            elapsed_s=round(elapsed_s, 1),
            **ms,
        )

    return report


def _final_stats(prefix: Path) -> LocustStats:
    """The exact final numbers from the JSON file, else the (slightly stale) stats CSV."""
    json_path = Path(f"{prefix}.json")
    if json_path.is_file():
        return parse_stats_json(json_path.read_text())
    return parse_stats_csv(Path(f"{prefix}_stats.csv").read_text())


def _measurements(row: EndpointStats) -> list[Measurement]:
    values = {
        "requests": (row.requests, ""),
        "failures": (row.failures, ""),
        "rps": (round(row.rps, 3), "req/s"),
        "error_rate_pct": (round(row.error_rate_pct, 3), "%"),
        "p50_ms": (row.percentile("50%") or 0.0, "ms"),
        "p95_ms": (row.percentile("95%") or 0.0, "ms"),
        "p99_ms": (row.percentile("99%") or 0.0, "ms"),
        "avg_ms": (round(row.avg_ms, 3), "ms"),
        "max_ms": (round(row.max_ms, 3), "ms"),
    }
    tags = {"endpoint": row.endpoint}
    return [Measurement(name=n, value=v, unit=u, tags=tags) for n, (v, u) in values.items()]


def _findings(stats: LocustStats, prefix: Path, service: str) -> list[Finding]:
    failures = _read(parse_failures_csv, Path(f"{prefix}_failures.csv"))
    findings = []
    for row in (r for r in stats.endpoints if r.failures):
        errors = [f for f in failures if (f.method, f.name) == (row.type, row.name)]
        lines = [f"{row.failures} of {row.requests} requests failed ({row.error_rate_pct:.1f}%)"]
        lines += [
            f"{f.method} {f.name}: {f.error} (at least {f.occurrences} times)" for f in errors
        ]
        findings.append(
            Finding(
                severity=Severity.MEDIUM,
                title=f"load requests failed: {row.endpoint}",
                evidence="\n".join(lines),
                fingerprint=fingerprint(STEP, service, row.endpoint),
                service=service,
            )
        )
    raised: dict[str, list[ExceptionRow]] = {}  # Locust keeps one row per distinct traceback
    for exc in _read(parse_exceptions_csv, Path(f"{prefix}_exceptions.csv")):
        raised.setdefault(exc.message, []).append(exc)
    findings += [
        Finding(
            severity=Severity.MEDIUM,
            title=f"load script raised: {message}",
            evidence=f"at least {sum(r.count for r in rows)} times\n{rows[0].traceback.rstrip()}",
            fingerprint=fingerprint(STEP, service, "exception", message),
            service=service,
        )
        for message, rows in raised.items()
    ]
    return findings


def _read(parse: Callable[[str], list[Any]], path: Path) -> list[Any]:
    """Rows of an optional CSV; none if it is missing or unreadable."""
    try:
        return parse(path.read_text())
    except (OSError, LocustStatsError):
        return []


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}"


def _row_data(row: EndpointStats) -> dict[str, Any]:
    return {"endpoint": row.endpoint, **asdict(row), "error_rate_pct": row.error_rate_pct}
