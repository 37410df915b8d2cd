"""Names a command gives, checked against the config: an environment or an app, with the nearest
configured one when mistyped."""

from __future__ import annotations

from actions.config import Settings
from actions.errors import UsageError
from bot.grammar import nearest


def environment(settings: Settings, name: str | None) -> str:
    """A configured environment's name (the default one for None)."""
    env = settings.environment_name(name)
    if env not in settings.environments:
        raise UsageError(_unknown("environment", env, list(settings.environments)))
    return env


def app(settings: Settings, name: str) -> str:
    """A configured app's name."""
    if name not in settings.apps:
        raise UsageError(_unknown("app", name, list(settings.apps)))
    return name


def _unknown(what: str, name: str, known: list[str]) -> str:
    hint = nearest(name, known)
    extra = f" Did you mean `{hint}`?" if hint else ""
    plural = "Environments" if what == "environment" else "Apps"
    return f"no {what} `{name}`.{extra} {plural}: {', '.join(known)}"
