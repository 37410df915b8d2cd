"""`logs <service> [env]`, `rca <run>`, and questions asked in a run's thread.

Everything shown is redacted; an analysis says who drafted it (an LLM, or the built-in
analysis) and quotes the evidence it cites. Nothing here changes a run or its verdict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from actions.errors import PreprodError, UsageError
from actions.insight.mining import mine_lines
from actions.insight.redact import redact
from actions.insight.run_insight import analyse_run, answer_text
from bot.answers import run_id
from bot.grammar import Command
from bot.replies import Reply
from storage import runs

if TYPE_CHECKING:
    from bot.service import Preprod

DEFAULT_LINES = 2000
MAX_LINES = 50_000
QUESTION_WORDS = (
    "why", "what", "how", "which", "when", "where", "who", "did", "does", "is", "are", "was",
    "were", "can", "could", "should", "explain", "tell",
)  # fmt: skip


def logs(bot: Preprod, command: Command) -> Reply:
    """A service's recent log lines, mined: templates, error clusters, suspects."""
    service = command.args["service"]
    env_name = bot.environment(command.args.get("env"))
    lines_text = str(command.options.get("lines") or DEFAULT_LINES)
    if not lines_text.isdigit() or not 1 <= int(lines_text) <= MAX_LINES:
        raise UsageError(f"`--lines` must be a number from 1 to {MAX_LINES}")
    env = bot.env_factory(bot.settings, env_name)
    try:
        lines = env.logs(service, tail=int(lines_text))
    except PreprodError as exc:
        return Reply(f"{env_name}: {exc}", kind="error")
    if not lines:
        return Reply(f"{service} on {env_name} has logged nothing yet", title=f"logs of {service}")
    mined = mine_lines(lines, service=service).to_dict()
    return Reply(
        redact(_logs_text(service, env_name, mined)),
        title=f"logs of {service} on {env_name}",
        data={"mined": mined},
    )


def _logs_text(service: str, env_name: str, mined: dict) -> str:  # type: ignore[type-arg]
    levels = ", ".join(f"{k} {v}" for k, v in sorted(mined["counts"]["by_level"].items()))
    head = (
        f"{mined['lines']} lines of {service} on {env_name} in {len(mined['templates'])} "
        f"templates" + (f" ({levels})" if levels else "")
    )
    lines = [head]
    if mined["suspects"]:
        lines.append("suspects:")
        for suspect in mined["suspects"][:5]:
            evidence = "; ".join(suspect["evidence"][:2])
            lines.append(f"• {suspect['kind']} {suspect['name']} (score {suspect['score']:.2f})")
            if evidence:
                lines.append(f"    {evidence[:300]}")
    errors = [t for t in mined["templates"] if _bad(t)]
    if errors:
        lines.append("errors:")
        lines += [f"  {t['count']:>6}× {t['template'][:200]}" for t in errors[:8]]
    lines.append("most frequent:")
    top = sorted(mined["templates"], key=lambda t: -t["count"])[:8]
    lines += [f"  {t['count']:>6}× {t['template'][:200]}" for t in top]
    return "\n".join(lines)


def _bad(template: dict) -> bool:  # type: ignore[type-arg]
    return any(level in ("error", "critical") for level in template.get("levels", {}))


def rca(bot: Preprod, command: Command) -> Reply:
    """Likely causes of what went wrong in a run, with the evidence behind each."""
    rid = run_id(command.args["run"])
    question = command.options.get("question")
    return ask(bot, rid, str(question) if isinstance(question, str) else None)


def ask(bot: Preprod, rid: int, question: str | None) -> Reply:
    """An analysis of run `rid` (or an answer to `question` about it) from its evidence."""
    if runs.get_run(bot.store, rid) is None:
        raise UsageError(f"there is no run {rid}")
    answer = analyse_run(bot.settings, bot.store, rid, question)
    title = f"run {rid}: " + (f"“{question[:80]}”" if question else "likely causes")
    return Reply(
        redact(answer_text(answer)),
        title=redact(title),
        data={
            "analysis": answer.outcome.analysis.model_dump(),
            "source": answer.outcome.analysis.source,
        },
    )


def is_question(text: str) -> bool:
    """Free text a person asks in a thread (not a command): ends with `?` or starts like one."""
    words = text.strip().lower().split()
    return bool(words) and (text.strip().endswith("?") or words[0] in QUESTION_WORDS)
