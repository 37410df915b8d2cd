"""Microsoft Teams incoming webhooks: a failure notice as an Adaptive Card, posted with httpx.

One body suits both kinds of webhook: the legacy Office 365 connector (`…/webhookb2/…`, answers 200
with the text `1`) and Power Automate "Workflows" (`…/workflows/…`, answers 202). The URL carries
its signature, so it is a secret: it is read from the environment variable the config names, and
only its host is ever logged (httpx's own request log line included).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from actions.report.failure_notice import FailureNotice, NotificationsConfig
from bot.teams_card import cut, teams_card

log = logging.getLogger(__name__)

RETRY_AFTER_CAP = 5.0


class _Transient(Exception):
    """One attempt failed in a way a later one may not; `retry_after` is the server's wish."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class _Refused(Exception):
    """Teams answered and refused the message, or may have it already: no retry."""


class TeamsNotifier:
    """Posts failure notices to one Teams incoming webhook; never raises, says plainly why not."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        attempts: int = 3,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError("the Teams webhook URL is not an http(s) URL with a host")
        self._url = url
        self._secrets = [url, parsed.raw_path.decode(errors="replace"), parsed.path]
        self.host = parsed.host
        self.attempts = max(1, attempts)
        self._timeout = httpx.Timeout(timeout)
        self._client = client or httpx.Client(timeout=self._timeout)
        self._sleep = sleep
        _hide_in_httpx_log(url)

    def send(self, notice: FailureNotice) -> bool:
        """Post the notice's card; True once Teams accepted it, False (and a warning) if not."""
        payload = json.dumps(teams_card(notice)).encode()
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=_wait,
            retry=retry_if_exception_type(_Transient),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    self._post(payload)
        except (_Transient, _Refused) as exc:
            tries = f" ({self.attempts} tries)" if isinstance(exc, _Transient) else ""
            why = self._plain(str(exc))
            log.warning(
                "Teams notice of run #%s not sent to %s: %s%s", notice.run_id, self.host, why, tries
            )
            return False
        return True

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def _post(self, payload: bytes) -> None:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        try:
            response = self._client.post(
                self._url, content=payload, headers=headers, timeout=self._timeout
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise _Transient(f"cannot connect ({exc or type(exc).__name__})") from None
        except httpx.TimeoutException:  # it may have been posted: sending again could double it
            raise _Refused(f"no answer within {self._timeout.read}s (not sent again)") from None
        except httpx.HTTPError as exc:
            raise _Refused(str(exc) or type(exc).__name__) from None
        text, status = response.text.strip(), response.status_code
        if status == 429 or "HTTP error 429" in text:  # legacy webhooks say it in a 200's body
            raise _Transient("throttled (HTTP 429)", _retry_after(response))
        if status >= 500:
            raise _Transient(f"HTTP {status}")
        if status >= 300 or text.startswith("Webhook message delivery failed"):
            raise _Refused(f"HTTP {status}: {text}" if text else f"HTTP {status}")

    def _plain(self, text: str) -> str:
        """One short line without the webhook's URL, path or query (the secret parts)."""
        for secret in self._secrets:
            text = text.replace(secret, "…") if len(secret) > 1 else text
        return cut(" ".join(text.split()), 200)


def notifier_from_env(
    config: NotificationsConfig, environ: Mapping[str, str], **options: Any
) -> TeamsNotifier | None:
    """The Teams notifier the config asks for, its URL read from the named variable; else None."""
    name = config.teams_webhook_env
    url = environ.get(name, "").strip() if name else ""
    if name and not url:
        log.warning("notifications.teams_webhook_env names %s, but it is not set: no Teams", name)
    if not url:
        return None
    try:
        return TeamsNotifier(url, **options)
    except ValueError as exc:
        log.warning("%s does not hold a usable Teams webhook URL: %s", name, exc)
        return None


def _wait(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, _Transient) and error.retry_after is not None:
        return min(error.retry_after, RETRY_AFTER_CAP)
    return min(0.5 * 2 ** (state.attempt_number - 1), RETRY_AFTER_CAP)


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds (the form Teams and Power Automate send), if given."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


_SECRET_URLS: set[str] = set()


class _HideWebhookPath(logging.Filter):
    """httpx logs each request's whole URL at INFO: show a webhook's host only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                f"{a.scheme}://{a.host}/…"
                if isinstance(a, httpx.URL) and str(a) in _SECRET_URLS
                else a
                for a in record.args
            )
        return True


_FILTER = _HideWebhookPath()


def _hide_in_httpx_log(url: str) -> None:
    """Register a webhook URL with the filter on httpx's logger (installed once)."""
    _SECRET_URLS.add(str(httpx.URL(url)))
    if _FILTER not in logging.getLogger("httpx").filters:
        logging.getLogger("httpx").addFilter(_FILTER)
