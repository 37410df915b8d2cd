"""Immediate answers: history, status of a run or an environment, a stored report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from actions.environments.base import EnvironmentStatus
from actions.errors import PreprodError, UsageError
from actions.report import baseline
from actions.report.comparison import baseline_table
from actions.report.gate import GateOutcome, evaluate
from actions.report.readiness import render_json
from actions.result import Result
from bot import approval_state
from bot.grammar import Command
from bot.replies import Reply
from storage import jobs, runs
from storage.store import Store

if TYPE_CHECKING:
    from bot.service import Preprod


def run_id(text: str) -> int:
    """A run id from `12`, `#12` or `run-12`."""
    digits = text.removeprefix("#").removeprefix("run-").removeprefix("r")
    if not digits.isdigit():
        raise UsageError(f"`{text[:40]}` is not a run id (runs are numbers, e.g. 12)")
    return int(digits)


def history(store: Store, command: Command) -> Reply:
    limit_text = str(command.options.get("limit", "10"))
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= 100:
        raise UsageError("`--limit` must be a number from 1 to 100")
    rows = runs.recent_runs(store, int(limit_text), command.args.get("app"))
    if not rows:
        return Reply("no runs yet. Start one with `ready <app> <version>`.", title="history")
    lines = [
        f"#{r['id']}  {r['created_at'][:16].replace('T', ' ')}  {r['verb']:<8} "
        f"{(r['app'] or '-')} {(r['version'] or '')}  on {r['environment']}  "
        f"{r['status']}{'  → ' + r['verdict'] if r['verdict'] else ''}"
        for r in rows
    ]
    return Reply("\n".join(lines), title="recent runs", data={"runs": rows})


def run_status(store: Store, rid: int) -> Reply:
    run = runs.get_run(store, rid)
    if run is None:
        raise UsageError(f"there is no run {rid}")
    job = jobs.get_job(store, rid) or {}
    steps = runs.steps_of(store, rid)
    head = (
        f"run {rid}: {run['command']} on {run['environment']}: {job.get('status', run['status'])}"
    )
    lines = [head]
    if run["verdict"]:
        lines.append(f"verdict: {run['verdict']}")
    for s in steps:
        lines.append(f"  {s['name']:<8} {s['status']:<8} {s['summary'] or ''}")
    if job.get("status") in jobs.ACTIVE_STATES and job.get("progress"):
        lines.append(f"now: {job['progress']}")
    elif run["summary"]:
        lines.append(run["summary"])
    return Reply("\n".join(lines), title=f"run {rid}", data={"run": run, "steps": steps})


def status(bot: Preprod, command: Command) -> Reply:
    target = command.args.get("target")
    if target and (target.isdigit() or target.startswith("#")):
        return run_status(bot.store, run_id(target))
    if target or len(bot.settings.environments) == 1:
        name = bot.environment(target)
        try:
            state = bot.env_factory(bot.settings, name).status()
        except PreprodError as exc:
            return Reply(f"{name}: {exc}", kind="error")
        return Reply(
            environment_text(name, state), title=f"environment {name}", data={"status": state}
        )
    active = jobs.active_jobs(bot.store)
    if not active:
        return Reply("no run is active. `history` lists recent runs.", title="status")
    return Reply(
        "\n".join(f"run {j['run_id']}: {j['status']} — {j['progress'] or ''}" for j in active),
        title="active runs",
    )


def report(bot: Preprod, command: Command) -> Reply:
    rid = run_id(command.args["run"])
    run = runs.get_run(bot.store, rid)
    if run is None:
        raise UsageError(f"there is no run {rid}")
    results = [Result.model_validate(body) for body in runs.results_of(bot.store, rid)]
    gate_data = next((r.data.get("gate") for r in results if r.step == "report"), None)
    if gate_data is None:
        raise UsageError(f"run {rid} has no readiness report (only `ready` runs write one)")
    if command.options.get("format") == "json":
        gate = GateOutcome.model_validate(gate_data)
        approval = approval_state.summary(bot.store, bot.settings, rid)
        text = render_json(run, [r for r in results if r.step != "report"], gate, approval)
        return Reply(text, title=f"report of run {rid} (json)", data={"format": "json"})
    path = run["report_path"]
    if not path or not Path(path).exists():
        raise UsageError(f"the report file of run {rid} is gone ({path})")
    if command.options.get("format") == "html":
        html = Path(path).with_suffix(".html")
        if not html.exists():
            raise UsageError(f"run {rid} has no HTML report (runs before this version wrote none)")
        return Reply(
            f"the HTML report of run {rid}: {html}",
            title=f"readiness report of run {rid} (html)",
            data={"format": "html", "path": str(html), "verdict": run["verdict"]},
        )
    decided = approval_state.current(bot.store, bot.settings, rid)
    said = f"\n## Approval\n{decided.text()}\n"
    return Reply(
        Path(path).read_text(encoding="utf-8") + said,
        title=f"readiness report of run {rid}",
        data={"format": "md", "path": path, "verdict": run["verdict"]},
    )


def environment_text(name: str, state: EnvironmentStatus) -> str:
    """An environment's services: version, health, replicas, restarts, age, recent warnings."""
    if not state.services:
        return f"{name} ({state.kind}): nothing deployed"
    version = state.version or "(services on different versions)"
    head = f"{name} ({state.kind}): {state.app or '?'} {version}"
    lines = [head + (f" (previous {state.previous_version})" if state.previous_version else "")]
    for s in state.services:
        mark = "healthy" if s.healthy else "UNHEALTHY"
        detail = "" if s.detail == "healthy" else f" {s.detail}"
        extra = []
        if s.restarts:
            extra.append(f"{s.restarts} restarts")
        if s.age_s is not None:
            extra.append(f"up {_age(s.age_s)}")
        tail = f" ({', '.join(extra)})" if extra else ""
        lines.append(f"  {s.name:<12} {s.version or '?':<6} {mark:<9} {s.url or ''}{detail}{tail}")
        lines += [f"      warning: {w}" for w in s.warnings[:5]]
    return "\n".join(lines)


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def metrics(bot: Preprod, command: Command) -> Reply:
    """The SLO table of the environment's latest readiness run, against a baseline run if asked."""
    env = bot.environment(command.args.get("env"))
    latest = runs.latest_ready_run(bot.store, env)
    if latest is None:
        raise UsageError(f"no finished readiness run on {env} yet; start one with `ready`")
    results = [
        Result.model_validate(body)
        for body in runs.results_of(bot.store, latest["id"])
        if body["step"] != "report"
    ]
    compare = command.options.get("compare")
    if isinstance(compare, str):
        other = run_id(compare)
        if runs.get_run(bot.store, other) is None:
            raise UsageError(f"there is no run {other}")
        table = baseline.average([runs.measurements_of(bot.store, other)])
        against = f"run {other}"
    else:
        table = baseline_table(
            bot.store, bot.settings.gate, latest["app"], latest["baseline"], latest["id"]
        )
        against = "the comparison runs" if table else "no baseline"
    gate = evaluate(baseline.with_baseline(results, table), bot.settings.slos, bot.settings.gate)
    head = f"run {latest['id']} ({latest['app']} {latest['version']} on {env}) against {against}"
    lines = [
        head,
        f"verdict {gate.verdict}, SLO score {gate.score if gate.score is not None else '—'}%",
    ]
    for o in gate.objectives:
        value = "no data" if o.value is None else f"{round(o.value, 2):g} {o.unit}".strip()
        base = "" if o.baseline is None else f" (baseline {round(o.baseline, 2):g})"
        lines.append(f"  {o.status:<6} {o.name}: {value}{base}, objective {o.objective}")
    return Reply("\n".join(lines), title=f"SLOs on {env}", data={"gate": gate.model_dump()})
