"""`preprod serve`: the Slack bot (HTTP or Socket Mode) with /healthz, /metrics and schedules."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from actions.config import Settings
from actions.errors import ConfigError
from bot.schedules import Schedules
from bot.service import Preprod
from bot.slack.config import slack_config
from bot.slack.http import HttpServer
from bot.slack.socket_mode import TimedSocketModeHandler
from bot.slack.surface import assemble
from storage.jobs import prune_deliveries
from storage.store import Store

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ERROR = 0, 2


def run_server(
    settings: Settings,
    *,
    host: str = "0.0.0.0",
    port: int = 3000,
    socket_mode: bool = False,
    environ: Mapping[str, str] | None = None,
    stop: threading.Event | None = None,
    on_ready: Callable[[int], None] | None = None,
) -> int:
    """Serve until SIGTERM/SIGINT (or `stop` is set); return the exit code.

    Order: check the secrets, open the store, wire Slack (the thread reporter first), close runs a
    crash left active (their threads are told), start schedules, then serve.
    """
    try:
        config = slack_config(os.environ if environ is None else environ, socket_mode=socket_mode)
    except ConfigError as exc:
        _say(f"error: {exc}")
        return EXIT_ERROR
    store = Store(settings.resolve(settings.storage.path))
    bot = Preprod(settings, store)
    try:
        surface = assemble(bot, config, socket_mode=socket_mode)
    except Exception as exc:
        _say(f"error: could not start the Slack app at {config.api_url}: {exc}")
        bot.runner.shutdown()
        store.close()
        return EXIT_ERROR
    stop = stop or threading.Event()
    schedules = Schedules(bot)
    http: HttpServer | None = None
    handler: TimedSocketModeHandler | None = None
    try:
        closed = bot.recover()
        day_ago = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="milliseconds")
        prune_deliveries(store, day_ago)
        if closed:
            log.warning("closed %d run(s) left active by a previous bot: %s", len(closed), closed)
        try:
            http = HttpServer(surface.wsgi, host, port).start()
        except OSError as exc:
            _say(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}")
            return EXIT_ERROR
        if socket_mode:
            assert config.app_token is not None
            handler = TimedSocketModeHandler(
                surface.app, config.app_token, surface.client, surface.metrics
            )
            try:
                handler.connect()
            except Exception as exc:
                _say(f"error: could not open a Socket Mode connection to Slack: {exc}")
                return EXIT_ERROR
        schedules.start()
        mode = "Socket Mode" if socket_mode else f"HTTP at {http.url}/slack/events"
        _say(f"preprod serving Slack ({mode}); health and metrics on port {http.port}")
        if on_ready is not None:
            on_ready(http.port)
        with _signals_set(stop):
            stop.wait()
        _say("preprod stopping: finishing runs and Slack updates")
    finally:
        if http is not None:
            http.stop()
        if handler is not None:
            handler.close()
        schedules.shutdown()
        bot.runner.shutdown()
        bot.notifier.close()
        surface.close()
        store.close()
    return EXIT_OK


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@contextmanager
def _signals_set(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set `stop` (only the main thread may install handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in previous:
        signal.signal(sig, lambda *_: stop.set())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
