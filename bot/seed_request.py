"""`seed <env> [--synthetic SCHEMA | --from SOURCE] [--scale N] [--seed N]` checked into a request.

From chat a schema must lie under the config's folder and an extract must be one of the app's
named `seed.sources` (a chat message must not make the bot read any file of its host); a terminal
user may also name a path or URL. Anonymising needs the key: its variable must be set.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from actions.config import Settings
from actions.errors import UsageError
from actions.plan import RunRequest
from actions.seed.config import SeedConfig
from bot.grammar import Command


def seed_request(
    settings: Settings,
    command: Command,
    env_name: str,
    deployed: Callable[[], str | None],
    surface: str,
) -> RunRequest:
    """The run request of a `seed` command, or a plain refusal of what is wrong: the options
    first, then whether an app is deployed (`deployed()`, asked of the environment)."""
    opts = command.options
    schema, source = opts.get("synthetic"), opts.get("from")
    if schema and source:
        raise UsageError("give --synthetic SCHEMA or --from SOURCE, not both")
    scale = _number(opts.get("scale"), "scale", float, 0.001, 1000)
    seed = _number(opts.get("seed"), "seed", int, 0, 2**32 - 1)
    app = deployed()
    if not app:
        raise UsageError(f"nothing is deployed on {env_name}: deploy before seeding")
    config = settings.apps[app].seed or SeedConfig()
    if schema:
        schema = _schema(settings, str(schema), surface)
    if source:
        source = _source(config, str(source), surface)
        if not settings.secret(config.key_env):
            raise UsageError(
                f"anonymising needs a key: set {config.key_env} (16 bytes or more) in the bot's "
                "environment; it never goes in the config file"
            )
    elif not schema and not config.synthetic:
        raise UsageError(
            f"{app} has no seed schema: `seed {env_name} --synthetic SCHEMA`, or set "
            f"apps.{app}.seed.synthetic"
        )
    return RunRequest(
        verb="seed",
        app=app,
        environment=env_name,
        plan=["seed"],
        seed_schema=str(schema) if schema else None,
        seed_source=source,
        seed_scale=scale,
        seed_seed=seed,
    )


def _schema(settings: Settings, text: str, surface: str) -> str:
    path = settings.resolve(text)
    if surface != "cli" and not path.resolve().is_relative_to(settings.base_dir.resolve()):
        raise UsageError("from chat, a schema must be a file under the config's folder")
    if not path.is_file():
        raise UsageError(f"no seed schema at {text}")
    return str(path)


def _source(config: SeedConfig, name: str, surface: str) -> str:
    if name in config.sources:
        return config.sources[name]
    if surface == "cli" and ("://" in name or Path(name).exists()):
        return name
    known = ", ".join(sorted(config.sources)) or "none configured"
    raise UsageError(f"no extract `{name}`: name one of seed.sources ({known})")


def _number(value: object, name: str, kind: type, low: float, high: float) -> float | int | None:
    if value is None:
        return None
    try:
        number = kind(str(value))
    except ValueError:
        raise UsageError(f"--{name} takes a number, not `{value}`") from None
    if not low <= number <= high:
        raise UsageError(f"--{name} must be between {low:g} and {high:g}")
    return number
