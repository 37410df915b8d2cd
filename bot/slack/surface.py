"""The Slack surface of one bot: client, metrics, groups, thread reporter, Bolt app and WSGI app."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_sdk import WebClient

from bot import permissions
from bot.service import Preprod
from bot.slack.app import build_app
from bot.slack.config import SlackConfig
from bot.slack.failures import Failures
from bot.slack.groups import GroupDirectory
from bot.slack.listeners import Listeners
from bot.slack.metrics import SlackMetrics
from bot.slack.people import NameDirectory
from bot.slack.reporter import UPDATE_INTERVAL_S, ThreadReporter
from bot.slack.web import SlackWeb, make_client
from bot.slack.wsgi import make_wsgi

if TYPE_CHECKING:
    from wsgiref.types import WSGIApplication


@dataclass
class SlackSurface:
    """Everything Slack-facing of one bot; `close` after the bot's runner has shut down."""

    bot: Preprod
    client: WebClient
    app: App
    wsgi: WSGIApplication
    metrics: SlackMetrics
    reporter: ThreadReporter
    _pools: tuple[ThreadPoolExecutor, ...]

    def close(self) -> None:
        for pool in self._pools:
            pool.shutdown(wait=True)
        self.reporter.close()


def assemble(
    bot: Preprod,
    config: SlackConfig,
    *,
    socket_mode: bool = False,
    update_interval: float = UPDATE_INTERVAL_S,
) -> SlackSurface:
    """Wire the Slack surface to `bot` (subscribing its thread reporter). Calls `auth.test`."""
    metrics = SlackMetrics(active_jobs=lambda: len(bot.runner.active()))
    client = make_client(config.bot_token, config.api_url)
    web = SlackWeb(client, metrics)
    failures = Failures(web)
    listener_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="preprod-slack-ack")
    work_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="preprod-slack-work")
    try:
        groups = GroupDirectory(web, permissions.groups_needed(bot.settings.permissions))
        listeners = Listeners(
            bot,
            web=web,
            groups=groups,
            names=NameDirectory(web),
            metrics=metrics,
            work=work_pool,
            failures=failures,
        )
        app = build_app(
            listeners,
            client=client,
            signing_secret=None if socket_mode else config.signing_secret,
            store=bot.store,
            failures=failures,
            listener_executor=listener_pool,
        )
    except BaseException:
        listener_pool.shutdown(wait=False)
        work_pool.shutdown(wait=False)
        raise
    reporter = ThreadReporter(web, bot.store, interval=update_interval)
    reporter.start()
    bot.runner.subscribe(reporter.event)
    bot.notifier.slack = lambda channel, text, blocks: web.post(channel, text, blocks)
    wsgi = make_wsgi(
        None if socket_mode else app, metrics=metrics, health=_health(bot, socket_mode)
    )
    return SlackSurface(bot, client, app, wsgi, metrics, reporter, (listener_pool, work_pool))


def _health(bot: Preprod, socket_mode: bool) -> Any:
    def health() -> tuple[bool, dict[str, Any]]:
        try:
            bot.store.db.execute("SELECT 1").fetchone()
            db = "ok"
        except Exception as exc:
            db = f"error: {type(exc).__name__}"
        data = {
            "ok": db == "ok",
            "db": db,
            "mode": "socket" if socket_mode else "http",
            "active_jobs": len(bot.runner.active()),
        }
        return db == "ok", data

    return health
