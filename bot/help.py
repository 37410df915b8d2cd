"""Help texts, generated from the grammar so they never drift from it."""

from __future__ import annotations

from actions.errors import UsageError
from bot.grammar import nearest
from bot.verbs import VERBS


def overview() -> str:
    width = max(len(v) for v in VERBS)
    lines = [
        "Usage: /preprod <command> [arguments]   (the same in a terminal: preprod <command>)",
        "",
    ]
    for verb in VERBS.values():
        later = "" if verb.available else "  (not available yet)"
        lines.append(f"  {verb.name.ljust(width)}  {verb.summary}{later}")
    lines += ["", "`help <command>` explains one command."]
    return "\n".join(lines)


def about(name: str) -> str:
    verb = VERBS.get(name.lower())
    if verb is None:
        hint = nearest(name, list(VERBS))
        raise UsageError(
            f"no command `{name[:40]}`." + (f" Did you mean `{hint}`?" if hint else "")
        )
    lines = [f"`{verb.usage}`", verb.summary]
    if not verb.available:
        lines.append(f"Not available yet: it arrives with {verb.later}.")
    for option in verb.options:
        metavar = f" {option.value}" if option.value else ""
        only = " (terminal only)" if option.cli_only else ""
        lines.append(f"  --{option.name}{metavar}  {option.help}{only}")
    if verb.subcommands:
        subs = ", ".join(f"{k} ({v})" for k, v in verb.subcommands.items())
        lines.append(f"Subcommands and the role each needs: {subs}")
    else:
        lines.append(verb.who or f"Needs the {verb.role} role.")
    if verb.examples:
        lines.append("Examples: " + "; ".join(f"`{e}`" for e in verb.examples))
    return "\n".join(lines)
