"""The Slack secrets and API address, read from the environment here and nowhere else."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from actions.errors import ConfigError
from bot import env_vars

_WHERE = {
    env_vars.SLACK_BOT_TOKEN: "the bot token (xoxb-…) from the app's OAuth & Permissions page",
    env_vars.SLACK_SIGNING_SECRET: "the signing secret from the app's Basic Information page",
    env_vars.SLACK_APP_TOKEN: "an app-level token (xapp-…) with connections:write, for Socket Mode",
}


@dataclass(frozen=True)
class SlackConfig:
    bot_token: str
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str = env_vars.DEFAULT_SLACK_API_URL

    def __repr__(self) -> str:  # secrets never reach a log line
        return f"SlackConfig(api_url={self.api_url!r}, socket_mode={self.app_token is not None})"


def slack_config(environ: Mapping[str, str], *, socket_mode: bool) -> SlackConfig:
    """What `preprod serve` needs: the bot token, plus the signing secret (HTTP) or app token."""
    needed = [env_vars.SLACK_BOT_TOKEN]
    needed.append(env_vars.SLACK_APP_TOKEN if socket_mode else env_vars.SLACK_SIGNING_SECRET)
    missing = [name for name in needed if not environ.get(name, "").strip()]
    if missing:
        lines = [f"{name} is not set: it should hold {_WHERE[name]}." for name in missing]
        mode = "Socket Mode" if socket_mode else "HTTP mode"
        raise ConfigError(f"`preprod serve` ({mode}) cannot start. " + " ".join(lines))
    return SlackConfig(
        bot_token=environ[env_vars.SLACK_BOT_TOKEN].strip(),
        signing_secret=(environ.get(env_vars.SLACK_SIGNING_SECRET) or "").strip() or None,
        app_token=environ[env_vars.SLACK_APP_TOKEN].strip() if socket_mode else None,
        api_url=(environ.get(env_vars.SLACK_API_URL) or "").strip()
        or env_vars.DEFAULT_SLACK_API_URL,
    )
