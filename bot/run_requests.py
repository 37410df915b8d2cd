"""Job commands checked against the config and turned into run requests (before any job)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from actions.defects.recheck import find_defect, step_of
from actions.defects.tracker import make_tracker
from actions.durations import parse_duration
from actions.errors import PermissionDenied, UsageError
from actions.plan import RunRequest
from bot import chaos_answers, names, permissions
from bot.grammar import Command
from bot.seed_request import seed_request

if TYPE_CHECKING:
    from bot.service import Preprod


def request_for(bot: Preprod, command: Command, surface: str) -> RunRequest:
    """Validate a job command against the config and build its run request."""
    args, opts = command.args, command.options
    if command.verb == "chaos":
        experiment, env_name = chaos_answers.run_request(bot.settings, command)
        return RunRequest(verb="chaos", environment=env_name, plan=["chaos"], experiment=experiment)
    if command.verb == "recheck":
        return _recheck_request(bot, command)
    if command.verb == "load" and args.get("logfile"):
        raise UsageError(
            f"unexpected `{args['logfile'][:60]}`: `load profile <logfile>` derives a profile, "
            "`load [env]` puts load on an environment"
        )
    env_name = names.environment(
        bot.settings, str(opts.get("env") or args.get("env") or "") or None
    )
    if permissions.mutating(command) and bot.settings.environments[env_name].protected:
        raise PermissionDenied(
            f"environment `{env_name}` is protected: it is read-only for every command"
        )
    app = names.app(bot.settings, args["app"]) if "app" in args else None
    if command.verb == "seed":

        def deployed() -> str | None:
            return bot.env_factory(bot.settings, env_name).status().app

        return seed_request(bot.settings, command, env_name, deployed, surface)
    if command.verb in ("test", "scan") and opts.get("app"):
        app = names.app(bot.settings, str(opts["app"]))
    plan = {
        "ready": bot.settings.plan,
        "deploy": ["deploy"],
        "rollback": ["rollback"],
        "teardown": ["teardown"],
        "test": [command.subcommand or "e2e"],
        "load": ["load"],
        "scan": ["scan"],
        "parity": ["parity"],
    }[command.verb]
    baseline = opts.get("baseline") or (bot.settings.apps[app].baseline if app else None)
    if baseline == args.get("version"):
        baseline = None
    return RunRequest(
        verb=command.verb,
        app=app,
        version=args.get("version"),
        baseline=str(baseline) if baseline else None,
        environment=env_name,
        plan=list(plan),
        load_users=_whole(opts, "users", low=1),
        load_duration=_duration(opts, "duration"),
        load_workers=_whole(opts, "workers", low=0),
        select=str(opts.get("select") or "all"),
        budget=_duration(opts, "budget"),
    )


def _recheck_request(bot: Preprod, command: Command) -> RunRequest:
    """`recheck PP-3 [--env E]`: the step that found the defect, on the environment."""
    tracker = make_tracker(bot.settings, bot.store, os.environ)
    defect = find_defect(tracker, command.args["defect"])
    if defect.status != "open":
        raise UsageError(f"{defect.key} is {defect.status}; only open defects are rechecked")
    step = step_of(bot.store, defect)
    env_name = names.environment(bot.settings, str(command.options.get("env") or "") or None)
    if bot.settings.environments[env_name].protected:
        raise PermissionDenied(f"environment `{env_name}` is protected: read-only")
    return RunRequest(verb="recheck", environment=env_name, plan=[step], recheck=defect.key)


def _whole(opts: Mapping[str, object], name: str, *, low: int) -> int | None:
    """A whole-number option of at least `low`, or None when absent; a clear error otherwise."""
    if name not in opts:
        return None
    value = str(opts[name])
    if not value.isdigit() or int(value) < low:
        raise UsageError(f"`--{name}` must be a whole number from {low}, not `{value[:40]}`")
    return int(value)


def _duration(opts: Mapping[str, object], name: str) -> str | None:
    """A duration option (`30s`, `2m`), or None when absent; a clear error when it is not one."""
    if not opts.get(name):
        return None
    value = str(opts[name])
    try:
        parse_duration(value)
    except ValueError:
        raise UsageError(
            f"`--{name}` must be a duration such as 30s or 2m, not `{value[:40]}`"
        ) from None
    return value
