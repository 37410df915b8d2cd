"""Socket Mode: the same Bolt app over Slack's WebSocket, with its acks timed like HTTP ones."""

from __future__ import annotations

import time

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.slack.metrics import SlackMetrics

KINDS = {"slash_commands": "command", "interactive": "interaction", "events_api": "event"}


class TimedSocketModeHandler(SocketModeHandler):
    """Bolt's built-in Socket Mode handler (no extra dependency), observing ack latency."""

    def __init__(self, app: App, app_token: str, web_client: WebClient, metrics: SlackMetrics):
        super().__init__(app, app_token=app_token, web_client=web_client)
        self.metrics = metrics

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        started = time.perf_counter()
        super().handle(client, req)
        kind = KINDS.get(req.type, "other")
        self.metrics.ack_seconds.labels(kind=kind).observe(time.perf_counter() - started)
