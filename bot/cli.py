"""The `preprod` command: the chat grammar in a terminal, plus `config check` and `serve`."""

from __future__ import annotations

import getpass
import logging
import os
import shlex
import shutil
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from actions.errors import ConfigError, PreprodError
from bot import env_vars
from bot.replies import Caller, Reply, Started
from bot.settings import load_settings
from bot.terminal import TerminalView
from storage import runs
from storage.store import Store

if TYPE_CHECKING:
    from bot.service import Preprod

EXIT_OK, EXIT_NO_GO, EXIT_ERROR = 0, 1, 2

admin = typer.Typer(add_completion=False, no_args_is_help=True, help="preprod administration")
config_app = typer.Typer(help="check the configuration file")
admin.add_typer(config_app, name="config")


@config_app.command("check")
def config_check(
    file: str = typer.Argument(None, help="config file (default: the usual search)"),
) -> None:
    """Validate preprod.yaml and say what is wrong, by file and key."""
    try:
        settings = load_settings(file)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_ERROR) from None
    path = settings.base_dir
    typer.echo(
        f"ok: {len(settings.environments)} environment(s), {len(settings.apps)} app(s), "
        f"{len(settings.slos)} SLO(s), plan {' → '.join(settings.plan)} (base dir {path})"
    )


@admin.command("serve")
def serve(
    port: int = typer.Option(3000, help="HTTP port for /slack/events, /healthz and /metrics"),
    host: str = typer.Option("0.0.0.0", help="address to listen on"),
    socket: bool = typer.Option(False, "--socket", help="use Slack Socket Mode"),
    config: str = typer.Option(None, "--config", help="config file"),
) -> None:
    """Run the Slack bot (HTTP mode on PORT, or Socket Mode), with schedules."""
    from bot.slack.server import run_server

    try:
        settings = load_settings(config)
        raise typer.Exit(run_server(settings, host=host, port=port, socket_mode=socket))
    except PreprodError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from None


@admin.command("redact")
def redact(
    file: str = typer.Argument(None, help="file to redact (default: standard input)"),
) -> None:
    """Write FILE (or standard input) with secrets and personal data replaced, nothing else."""
    from bot.redact_cli import redact_command

    raise typer.Exit(redact_command(file, stdin=sys.stdin, stdout=sys.stdout))


logs_app = typer.Typer(help="log insight without a config: `logs mine`")
admin.add_typer(logs_app, name="logs")


@logs_app.command("mine")
def logs_mine(
    input_path: str = typer.Argument(..., metavar="INPUT", help="one log message per line"),
    as_json: bool = typer.Option(False, "--json", help="the whole summary as JSON"),
    assignments: str = typer.Option(
        None, "--assignments", metavar="OUT.csv", help="write line,template_id,template per line"
    ),
) -> None:
    """Templates, error clusters, timeline, counts and suspects of a log file (no LLM)."""
    from bot.logs_cli import mine_command

    raise typer.Exit(
        mine_command(input_path, as_json=as_json, assignments=assignments, out=sys.stdout)
    )


data_app = typer.Typer(help="seeding tools that write files: `data generate`, `data anonymise`")
admin.add_typer(data_app, name="data")


@data_app.command("generate")
def data_generate(
    schema: str = typer.Argument(..., metavar="SCHEMA", help="a seed schema (YAML)"),
    out: str = typer.Option(..., "--out", metavar="DIR", help="folder for one file per table"),
    fmt: str = typer.Option("csv", "--format", help="csv or parquet"),
    scale: float = typer.Option(1.0, "--scale", help="multiply the root tables' rows"),
    seed: int = typer.Option(None, "--seed", help="random seed (default: the schema's)"),
) -> None:
    """Synthetic data of a schema as CSV or Parquet files."""
    from bot.data_cli import generate_command

    if fmt not in ("csv", "parquet"):
        typer.echo("--format is csv or parquet", err=True)
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(generate_command(schema, out, fmt=fmt, scale=scale, seed=seed))


@data_app.command("anonymise")
def data_anonymise(
    source: str = typer.Argument(..., metavar="SOURCE", help="CSV folder, SQLAlchemy URL or .sql"),
    out: str = typer.Option(..., "--out", metavar="DIR", help="folder for one CSV per table"),
    max_mb: float = typer.Option(
        1024.0,
        "--max-mb",
        min=1,
        help="refuse a .sql dump larger than this (parsed in memory; CSV and databases stream)",
    ),
) -> None:
    """An extract with its personal data pseudonymised (key from PREPROD_SEED_KEY), as CSV."""
    from bot.data_cli import anonymise_command

    raise typer.Exit(anonymise_command(source, out, max_mb=max_mb))


ADMIN_WORDS = {"config", "serve", "redact", "data", "--help", "-h"}


def _is_admin(argv: list[str]) -> bool:
    """`config`, `serve`, `redact`, `data` and `logs mine` (chat has `logs <service>` too)."""
    if not argv:
        return False
    return argv[0] in ADMIN_WORDS or argv[:2] == ["logs", "mine"]


def _split_config(argv: list[str]) -> tuple[str | None, list[str]]:
    config, rest, i = None, [], 0
    while i < len(argv):
        if argv[i] == "--config" and i + 1 < len(argv):
            config, i = argv[i + 1], i + 2
            continue
        if argv[i].startswith("--config="):
            config = argv[i].split("=", 1)[1]
        else:
            rest.append(argv[i])
        i += 1
    return config, rest


def run_command(argv: list[str], view: TerminalView | None = None) -> int:
    """Run one grammar command from a terminal; return the exit code."""
    from bot.service import Preprod

    view = view or TerminalView()
    config, words = _split_config(argv)
    try:
        settings = load_settings(config)
    except ConfigError as exc:
        view.console.print(str(exc), style="red", soft_wrap=True, markup=False)
        return EXIT_ERROR
    store = Store(settings.resolve(settings.storage.path))
    bot = Preprod(settings, store)
    bot.recover()
    bot.runner.subscribe(view.event)
    user = getpass.getuser()
    caller = Caller(user=f"local:{user}", surface="cli", name=user)
    outcome = bot.handle(" ".join(shlex.quote(w) for w in words), caller)
    try:
        if isinstance(outcome, Reply):
            view.reply(outcome)
            return EXIT_OK if outcome.ok else EXIT_ERROR
        return _follow(bot, outcome, words, view)
    finally:
        bot.runner.shutdown()
        bot.notifier.close()


def _follow(bot: Preprod, started: Started, words: list[str], view: TerminalView) -> int:
    view.console.print(started.text)
    done = threading.Event()

    def follow() -> None:
        try:
            bot.runner.wait(started.run_id)
        finally:
            done.set()

    threading.Thread(target=follow, daemon=True).start()
    try:
        while not done.wait(0.2):
            pass
    except KeyboardInterrupt:
        view.console.print("cancelling…", style="yellow")
        bot.runner.cancel(started.run_id)
        done.wait()
    run = runs.get_run(bot.store, started.run_id) or {}
    view.verdict(run.get("verdict"), run.get("report_path"))
    target = _report_target(words)
    if target and run.get("report_path"):
        shutil.copyfile(run["report_path"], target)
        view.console.print(f"report written to {target}")
    if run.get("status") != "done":
        return EXIT_ERROR
    if run.get("verdict") == "no-go":
        return EXIT_NO_GO
    steps = runs.steps_of(bot.store, started.run_id)
    if run.get("verdict") is None and any(s["status"] in ("fail", "error") for s in steps):
        return EXIT_NO_GO
    return EXIT_OK


def _report_target(words: list[str]) -> Path | None:
    for i, word in enumerate(words):
        if word == "--report" and i + 1 < len(words):
            return Path(words[i + 1])
        if word.startswith("--report="):
            return Path(word.split("=", 1)[1])
    return None


def main() -> None:
    """Console entry point."""
    logging.basicConfig(
        level=os.environ.get(env_vars.PREPROD_LOG_LEVEL, "WARNING"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    argv = sys.argv[1:]
    if _is_admin(argv):
        admin(args=argv, prog_name="preprod")
        return
    sys.exit(run_command(argv))
