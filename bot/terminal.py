"""Rendering for the terminal: replies, live run events and the final verdict."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from actions.context import Event
from bot.replies import Reply

STYLES = {"pass": "green", "warn": "yellow", "skipped": "dim", "fail": "red", "error": "red"}
VERDICT_STYLES = {"go": "bold green", "go with risk": "bold yellow", "no-go": "bold red"}


class TerminalView:
    """Prints a run's events as they happen."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False)

    def reply(self, reply: Reply) -> None:
        style = {"info": "", "error": "red", "denied": "red", "unavailable": "yellow"}[reply.kind]
        if reply.title and reply.kind == "info":
            self.console.print(f"[bold]{escape(reply.title)}[/bold]")
        self.console.print(escape(reply.text), style=style or None, soft_wrap=True)

    def event(self, event: Event) -> None:
        named = event.step and not event.message.startswith(f"{event.step}:")
        step = f"[cyan]{escape(event.step or '')}:[/cyan] " if named else ""
        message = escape(event.message)
        if event.kind == "step_finished":
            status = event.message.split(":", 1)[0].split(" ")[-1]
            style = STYLES.get(status, "bold")
            self.console.print(f"[{style}]{message}[/{style}]")
        elif event.kind == "step_started":
            self.console.print(f"[bold]▶ {escape(event.step or '')}[/bold]")
        elif event.kind == "warning":
            self.console.print(f"  {step}[yellow]warning: {message}[/yellow]")
        elif event.kind == "progress":
            self.console.print(f"  {step}[dim]{message}[/dim]")
        elif event.kind in ("run_started", "run_finished"):
            self.console.print(message)

    def verdict(self, verdict: str | None, report_path: str | None) -> None:
        if verdict:
            style = VERDICT_STYLES.get(verdict, "bold")
            self.console.print(f"verdict: [{style}]{verdict.upper()}[/{style}]")
        if report_path:
            self.console.print(f"report: {escape(report_path)}")
