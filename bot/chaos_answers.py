"""`chaos list [env]`: the experiments, what each does, and whether the guards allow it there.

`chaos run` and `chaos stop` are not available yet: the runner (faults through the proxy, probes,
abort, rollbacks that survive a crash) comes next; until then they say so plainly.
"""

from __future__ import annotations

from actions.chaos.experiment import list_experiments
from actions.chaos.guards import evaluate
from actions.config import Settings
from actions.errors import NotAvailable
from bot.grammar import Command
from bot.replies import Reply


def answer(settings: Settings, command: Command) -> Reply:
    action = command.subcommand or "list"
    if action != "list":
        raise NotAvailable(
            f"`chaos {action}` is not available yet: it arrives with the chaos experiment runner"
        )
    # `chaos list ENV`: the one word after `list` is the environment.
    env_name = command.args.get("experiment") or command.args.get("env")
    env_name = settings.environment_name(str(env_name) if env_name else None)
    if env_name not in settings.environments:
        raise NotAvailable(f"no environment `{env_name}`")
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
