"""The Bolt app: signature checks, de-duplicated deliveries, the listeners, the error handler."""

from __future__ import annotations

import logging
from concurrent.futures import Executor

from slack_bolt import App
from slack_sdk import WebClient

from bot.slack import report_blocks
from bot.slack.approval_blocks import APPROVE_ACTION, REJECT_ACTION
from bot.slack.dedupe import DeliveryDedupe
from bot.slack.failures import Failures
from bot.slack.listeners import Listeners
from bot.slack.run_blocks import CANCEL_ACTION
from storage.store import Store

SLASH_COMMAND = "/preprod"


def build_app(
    listeners: Listeners,
    *,
    client: WebClient,
    signing_secret: str | None,
    store: Store,
    failures: Failures,
    listener_executor: Executor,
) -> App:
    """A Bolt app for one bot. Without a signing secret (Socket Mode) there is no HTTP to verify.

    Constructing it calls `auth.test` once, so a wrong token fails here, at start.
    """
    bolt_log = logging.getLogger("preprod.slack.bolt")
    if not any(isinstance(f, _TokenNoise) for f in bolt_log.filters):
        bolt_log.addFilter(_TokenNoise())
    app = App(
        name="preprod",
        client=client,
        signing_secret=signing_secret or "",
        request_verification_enabled=signing_secret is not None,
        listener_executor=listener_executor,
        logger=bolt_log,
    )
    app.use(DeliveryDedupe(store, listeners.metrics))
    app.command(SLASH_COMMAND)(listeners.command)
    app.event("app_mention")(listeners.mention)
    app.action(CANCEL_ACTION)(listeners.cancel)
    app.action(APPROVE_ACTION)(listeners.approve)
    app.action(REJECT_ACTION)(listeners.reject)
    app.action(report_blocks.APPROVE_ACTION)(listeners.report_approve)
    app.action(report_blocks.REJECT_ACTION)(listeners.report_reject)
    app.view(report_blocks.REJECT_VIEW)(listeners.reason_given)
    app.view(report_blocks.OVERRIDE_VIEW)(listeners.reason_given)
    app.error(failures.bolt_error)
    return app


class _TokenNoise(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that our client's token wins; it always does."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()
