"""Calls to Slack's Web API and response URLs: bounded retries; failures logged, never raised."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient

from bot.slack.metrics import SlackMetrics

log = logging.getLogger(__name__)

TIMEOUT_S = 15


def retry_handlers() -> list[RetryHandler]:
    """HTTP 429 honouring Retry-After (3 times) and connection errors (twice).

    Not 5xx: Slack may have posted the message before failing, and a retry would post it twice.
    """
    return [
        RateLimitErrorRetryHandler(max_retry_count=3),
        ConnectionErrorRetryHandler(max_retry_count=2),
    ]


def make_client(token: str, base_url: str, *, timeout: int = TIMEOUT_S) -> WebClient:
    """The Web API client for one bot token, at `base_url` (SLACK_API_URL)."""
    url = base_url if base_url.endswith("/") else base_url + "/"
    return WebClient(
        token=token,
        base_url=url,
        timeout=timeout,
        retry_handlers=retry_handlers(),
        logger=logging.getLogger("preprod.slack.sdk"),
    )


class SlackWeb:
    """Web API calls that log and count a failure and return None instead of raising."""

    def __init__(self, client: WebClient, metrics: SlackMetrics) -> None:
        self.client = client
        self.metrics = metrics

    def call(self, method: str, fn: Callable[..., Any], /, **params: Any) -> Any | None:
        """Run `fn(**params)`, the client method behind `method`; None when it failed."""
        try:
            return fn(**params)
        except SlackApiError as exc:
            error = str(exc.response.get("error") or exc.response.status_code)
            log.warning("Slack %s failed: %s", method, error)
        except Exception as exc:
            error = type(exc).__name__
            log.warning("Slack %s failed: %s: %s", method, error, exc)
        self.metrics.api_error(method, error)
        return None

    def post(self, channel: str, text: str, blocks: list[Any], thread_ts: str | None = None) -> Any:
        kwargs: dict[str, Any] = {"channel": channel, "text": text, "blocks": blocks}
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        return self.call("chat.postMessage", self.client.chat_postMessage, **kwargs)

    def update(self, channel: str, ts: str, text: str, blocks: list[Any]) -> Any:
        return self.call(
            "chat.update", self.client.chat_update, channel=channel, ts=ts, text=text, blocks=blocks
        )

    def upload(
        self, channel: str, thread_ts: str | None, path: str, filename: str, title: str
    ) -> Any:
        return self.call(
            "files.upload_v2",
            self.client.files_upload_v2,
            channel=channel,
            thread_ts=thread_ts,
            file=path,
            filename=filename,
            title=title,
        )

    def ephemeral(self, channel: str, user: str, text: str, blocks: list[Any]) -> Any:
        """A message only `user` sees in `channel`."""
        return self.call(
            "chat.postEphemeral",
            self.client.chat_postEphemeral,
            channel=channel,
            user=user,
            text=text,
            blocks=blocks,
        )

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> Any:
        """Open a modal; Slack accepts the trigger_id only within 3 s of the click."""
        return self.call("views.open", self.client.views_open, trigger_id=trigger_id, view=view)

    def respond(self, url: str, message: dict[str, Any]) -> bool:
        """POST a message to an interaction's response_url (ephemeral unless said otherwise)."""
        try:
            client = WebhookClient(url, timeout=TIMEOUT_S, retry_handlers=retry_handlers())
            response = client.send_dict(message)
        except Exception as exc:
            log.warning("Slack response_url failed: %s: %s", type(exc).__name__, exc)
            self.metrics.api_error("response_url", type(exc).__name__)
            return False
        if response.status_code != 200:
            log.warning("Slack response_url answered %s: %s", response.status_code, response.body)
            self.metrics.api_error("response_url", str(response.status_code))
            return False
        return True
