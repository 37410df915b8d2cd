"""Unexpected errors: logged with the traceback under a short ref; the person sees the ref only."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.slack import blocks
from bot.slack.web import SlackWeb

log = logging.getLogger(__name__)


def new_ref() -> str:
    return uuid.uuid4().hex[:10]


class Failures:
    """Turns an exception into a log entry with a correlation id and a brief reply in Slack."""

    def __init__(self, web: SlackWeb) -> None:
        self.web = web

    def record(self, error: BaseException, where: str) -> str:
        ref = new_ref()
        log.error("unexpected error in %s (ref %s)", where, ref, exc_info=error)
        return ref

    def tell(self, body: Mapping[str, Any], ref: str) -> None:
        """Say it where the request came from: its response_url, else the event's thread."""
        text, body_blocks = blocks.failure_message(ref)
        if body.get("response_url"):
            message = {"response_type": "ephemeral", "replace_original": False}
            self.web.respond(
                str(body["response_url"]), {**message, "text": text, "blocks": body_blocks}
            )
            return
        event = body.get("event") or {}
        if isinstance(event, Mapping) and event.get("channel"):
            thread = event.get("thread_ts") or event.get("ts")
            self.web.post(str(event["channel"]), text, body_blocks, thread_ts=thread)

    def handle(self, error: Exception, body: Mapping[str, Any], where: str) -> None:
        """For work after the ack: log, then tell the person."""
        ref = self.record(error, where)
        try:
            self.tell(body, ref)
        except Exception:
            log.exception("could not tell Slack about error ref %s", ref)

    def bolt_error(
        self,
        error: Exception,
        request: BoltRequest,
        response: BoltResponse | None,
        body: dict[str, Any],
    ) -> BoltResponse | None:
        """Bolt's `app.error` handler: answer in the ack when it is not sent yet, else reply."""
        ref = self.record(error, "a Slack listener")
        ack = request.context.ack
        if response is not None and (ack is None or ack.response is None):
            text, body_blocks = blocks.failure_message(ref)
            if body.get("command"):
                payload = {"response_type": "ephemeral", "text": text, "blocks": body_blocks}
                return BoltResponse(status=200, body=payload)
            return BoltResponse(status=200, body="")
        try:
            self.tell(body, ref)
        except Exception:
            log.exception("could not tell Slack about error ref %s", ref)
        return None
