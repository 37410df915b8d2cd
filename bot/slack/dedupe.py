"""Never run a delivery twice: Slack retries events, and a replayed request must not act again."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.slack.metrics import SlackMetrics
from storage import jobs
from storage.store import Store

log = logging.getLogger(__name__)


def delivery_key(body: Mapping[str, Any]) -> str | None:
    """The id Slack gives a delivery: event_id, a command's trigger_id, an action's ts and user."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("command") and body.get("trigger_id"):
        return f"command:{body['trigger_id']}"
    if body.get("type") == "block_actions":
        actions = body.get("actions") or [{}]
        user = (body.get("user") or {}).get("id", "")
        action_ts = actions[0].get("action_ts") if isinstance(actions[0], dict) else None
        if action_ts:
            return f"action:{user}:{action_ts}"
    return None


def kind_of(body: Mapping[str, Any]) -> str:
    if body.get("command"):
        return "command"
    if body.get("event_id") or body.get("event"):
        return "event"
    if body.get("type"):
        return "interaction"
    return "other"


class DeliveryDedupe(Middleware):
    """Claims each delivery id once in storage; a repeat is acked (200, empty) and goes no further.

    Runs after Bolt's signature check, so a forged request never claims an id.
    """

    def __init__(self, store: Store, metrics: SlackMetrics) -> None:
        self.store = store
        self.metrics = metrics

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        key = delivery_key(req.body or {})
        if key is None or jobs.claim_delivery(self.store, key):
            return next()
        retry = _header(req, "x-slack-retry-num")
        log.info("dropping a repeated delivery %s (retry %s)", key, retry or "-")
        self.metrics.duplicates.labels(kind=kind_of(req.body or {})).inc()
        return BoltResponse(status=200, body="")


def _header(req: BoltRequest, name: str) -> str | None:
    values = (req.headers or {}).get(name)
    return values[0] if values else None
