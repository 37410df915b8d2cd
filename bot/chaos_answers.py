"""`chaos list|run|stop|approve|reject`: what the chaos verb answers at once.

`chaos run` starts a job (`bot.service`), after `run_request` has checked the experiment and the
guards, so that a refusal is said at once. `chaos stop` is the kill switch: a flag in storage
that the runner, in whichever process, reads every second; its rollbacks follow.
"""

from __future__ import annotations

from actions.chaos import approval
from actions.chaos.experiment import (
    ExperimentError,
    experiment_path,
    list_experiments,
    load_experiment,
)
from actions.chaos.guards import check, evaluate
from actions.config import Settings
from actions.errors import NotAvailable, PermissionDenied, UsageError
from bot import names, permissions
from bot.grammar import Command, nearest
from bot.replies import Caller, Reply
from storage import approvals, jobs, runs
from storage import chaos as chaos_store
from storage.store import Store


def answer(settings: Settings, store: Store, command: Command, role: str, caller: Caller) -> Reply:
    action = command.subcommand or "list"
    if action == "list":
        # `chaos list ENV`: the one word after `list` is the environment
        named = command.args.get("experiment") or command.args.get("env")
        return _list(settings, names.environment(settings, named or None))
    if action == "stop":
        return _stop(settings, store, command)
    if action in ("approve", "reject"):
        return _decide(settings, store, command, role, caller)
    raise NotAvailable(f"`chaos {action}` starts a job")  # `run`: bot.service starts it


def run_request(settings: Settings, command: Command) -> tuple[str, str]:
    """(experiment, environment) of `chaos run`, once the experiment loads and the guards allow
    it there (an approval may still be needed); a plain refusal otherwise."""
    name = command.args.get("experiment")
    if not name:
        raise UsageError("usage: `chaos run EXPERIMENT [env]` (`chaos list` shows them)")
    env_name = names.environment(settings, command.args.get("env"))
    folder = settings.resolve(settings.chaos.experiments_dir)
    try:
        experiment = load_experiment(experiment_path(folder, name))
    except ExperimentError as exc:
        known = [item.name for item in list_experiments(folder)]
        hint = nearest(name, known)
        extra = f" Did you mean `{hint}`?" if hint and hint != name else ""
        raise UsageError(f"{exc}.{extra}") from None
    app_services = sorted({s for app in settings.apps.values() for s in app.services})
    check(
        experiment,
        env_name,
        settings.environments[env_name],
        settings.chaos,
        services=app_services or None,
    )
    return name, env_name


def _list(settings: Settings, env_name: str) -> Reply:
    folder = settings.resolve(settings.chaos.experiments_dir)
    listed = list_experiments(folder) if folder.is_dir() else []
    if not listed:
        return Reply(f"no chaos experiment in {folder}", title="chaos experiments")
    lines = [f"chaos experiments in {folder} (guards for {env_name}):"]
    env_config = settings.environments[env_name]
    for item in listed:
        if item.experiment is None:
            lines.append(f"• {item.name}: does not load: {item.error}")
            continue
        exp = item.experiment
        verdict = evaluate(exp, env_name, env_config, settings.chaos)
        what = "destructive, needs approval" if exp.destructive else "not destructive"
        state = (
            "allowed"
            if verdict.allowed
            else "refused: " + "; ".join(v.message for v in verdict.violations)
        )
        lines.append(
            f"• {item.name}: {exp.title} ({what}, {exp.total_duration_s:g}s, "
            f"services {', '.join(sorted(exp.services))}) — {state}"
        )
    return Reply("\n".join(lines), title="chaos experiments")


def _stop(settings: Settings, store: Store, command: Command) -> Reply:
    """`chaos stop [env]`: every environment when none is named."""
    named = command.args.get("experiment") or command.args.get("env")
    envs = [names.environment(settings, named)] if named else list(settings.environments)
    stopped = []
    for env_name in envs:
        held = chaos_store.active_experiment(store, env_name)
        if held is not None and chaos_store.request_stop(store, env_name):
            stopped.append(f"{held['experiment']} on {env_name} (run {held['run_id']})")
    if not stopped:
        where = f"on {envs[0]}" if named else "anywhere"
        return Reply(f"no chaos experiment is running {where}; nothing to stop")
    return Reply(
        "stopping chaos " + ", ".join(stopped) + ": its faults are taken away within a second or "
        "two, and its rollbacks follow in the run's thread",
        title="chaos stop",
    )


def _decide(settings: Settings, store: Store, command: Command, role: str, caller: Caller) -> Reply:
    action = command.subcommand or ""
    target = command.args.get("experiment") or ""
    digits = target.removeprefix("#")
    if not digits.isdigit():
        raise UsageError(f"usage: `chaos {action} RUN` (the run waiting for an approval)")
    run_id = int(digits)
    needed = settings.chaos.approval_role
    if permissions.RANK.get(role, -1) < permissions.RANK[needed]:
        raise PermissionDenied(
            f"only the {needed} role may {action} a destructive chaos experiment (you are {role})"
        )
    run = runs.get_run(store, run_id)
    job = jobs.get_job(store, run_id)
    if run is None or run["verb"] != "chaos":
        raise UsageError(f"run {run_id} is not a chaos run")
    if job is None or job["status"] not in jobs.ACTIVE_STATES:
        raise UsageError(f"run {run_id} is not waiting for an approval (it is finished)")
    decided = approvals.latest(store, run_id, approval.SUBJECT)
    if decided is not None:
        who = decided.get("name") or decided["user"]
        raise UsageError(f"run {run_id} was already {decided['decision']}d by {who}")
    reason = str(command.options.get("reason") or "")
    decision: approvals.Decision = "approve" if action == "approve" else "reject"
    name = caller.name or caller.user
    approvals.record(
        store,
        run_id,
        approval.SUBJECT,
        user=caller.user,
        name=name,
        role=role,
        decision=decision,
        reason=reason,
    )
    said = "approved" if decision == "approve" else "rejected"
    return Reply(f"chaos run {run_id} {said} by {name}" + (f": {reason}" if reason else ""))
