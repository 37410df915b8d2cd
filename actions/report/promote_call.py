"""The promotion hook's call: one HTTP request to the CI, retried only while the pipeline surely
did not start (no connection, 429, 503 with a short Retry-After); a plain outcome, never raising,
and the token never in a detail or a log line."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from email.utils import parsedate_to_datetime

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from actions.durations import parse_duration
from actions.report.promotion import (
    MAX_RETRY_AFTER,
    NAMES,
    PromotionConfig,
    PromotionOutcome,
    PromotionRequest,
    build_request,
    where,
)

_MAY_HAVE_STARTED = "the pipeline may have started: check the CI before promoting again"
logger = logging.getLogger("actions.report.promotion")


def promote(
    config: PromotionConfig,
    *,
    token: str | None,
    facts: Mapping[str, str],
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PromotionOutcome:
    """Call the CI pipeline, retried only while it surely did not start. Never raises."""
    token = (token or "").strip() or None
    try:
        request = build_request(config, token=token, facts=facts)
    except ValueError as exc:  # no token, or a config that skipped validation: no call
        return _done(config, PromotionOutcome(False, None, f"{exc}; nothing was called", 0))
    http = client or httpx.Client()
    tries = 0
    retrying = Retrying(
        stop=stop_after_attempt(config.attempts),
        wait=_wait,
        retry=retry_if_exception(lambda exc: isinstance(exc, _Again) and exc.worth_retrying),
        sleep=sleep,
        reraise=True,
    )
    try:
        for attempt in retrying:
            with attempt:
                tries += 1
                outcome = _send(http, request, config, token)
    except _Again as again:
        times = f"{tries} attempt{'s' if tries > 1 else ''}"
        outcome = PromotionOutcome(
            False, again.status, f"{again}; nothing was started ({times})", 0
        )
    finally:
        if client is None:
            http.close()
    return _done(config, replace(outcome, attempts=tries))


class _Again(Exception):
    """This attempt surely did not start the pipeline; another one may succeed."""

    def __init__(self, detail: str, status: int | None = None, wait: float | None = None):
        super().__init__(detail)
        self.status, self.wait = status, wait
        self.worth_retrying = wait is None or wait <= MAX_RETRY_AFTER


def _send(
    http: httpx.Client, request: PromotionRequest, config: PromotionConfig, token: str | None
) -> PromotionOutcome:
    place, name = where(config.url), NAMES[config.kind]
    try:
        response = http.request(
            request.method,
            request.url,
            headers=request.headers,
            json=request.json,
            data=request.data,
            timeout=parse_duration(config.timeout),
        )
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise _Again(f"could not connect to {place} ({_why(exc, token)})") from None
    except httpx.TimeoutException:  # the request went out: the CI may be acting on it
        detail = f"{name} did not answer within {config.timeout}; {_MAY_HAVE_STARTED}"
        return PromotionOutcome(False, None, detail, 0)
    except httpx.TransportError as exc:
        detail = f"the call to {place} broke off ({_why(exc, token)}); {_MAY_HAVE_STARTED}"
        return PromotionOutcome(False, None, detail, 0)
    status = response.status_code
    if status < 300:
        return PromotionOutcome(True, status, _success(config, response), 0)
    if status in (429, 503) or _github_rate_limited(response):
        wait = _retry_after(response)
        if wait is not None and wait > MAX_RETRY_AFTER:
            raise _Again(
                f"{name} is busy (HTTP {status}) and asks to wait {wait:.0f} s", status, wait
            )
        raise _Again(f"{name} is busy (HTTP {status})", status, wait)
    return PromotionOutcome(
        False, status, _explain(config, status, _reason(response, token), token), 0
    )


def _explain(config: PromotionConfig, status: int, said: str, token: str | None) -> str:
    name, env = NAMES[config.kind], config.token_env
    if status in (401, 403) and token is None:
        return f"{name} refused the call (HTTP {status}): set {env} if it needs a token"
    if status in (401, 403):
        return f"{name} refused the token in {env} (HTTP {status}): {said}"
    if status == 404:
        return (
            f"{where(config.url)} was not found (HTTP 404): check the url and that the token "
            f"in {env} can see the project"
        )
    if status >= 500:
        return f"{name} answered HTTP {status}: {said}; {_MAY_HAVE_STARTED}"
    return f"{name} answered HTTP {status}: {said}"


def _success(config: PromotionConfig, response: httpx.Response) -> str:
    status = response.status_code
    if config.kind == "github":
        return f"GitHub workflow dispatched on {config.ref} ({status})"
    if config.kind == "webhook":
        return f"webhook answered {status}"
    try:
        pipeline = response.json()
        return f"GitLab pipeline {pipeline['id']} created: {pipeline['web_url']}"
    except (ValueError, KeyError, TypeError):
        return f"GitLab pipeline created ({status})"


def _done(config: PromotionConfig, outcome: PromotionOutcome) -> PromotionOutcome:
    log = logger.info if outcome.ok else logger.warning
    log("promotion via %s: %s (attempts: %d)", config.kind, outcome.detail, outcome.attempts)
    return outcome


def _wait(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    hinted = error.wait if isinstance(error, _Again) else None
    return hinted if hinted is not None else min(0.5 * 2 ** (state.attempt_number - 1), 2.0)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:  # the other form is an HTTP date
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


def _github_rate_limited(response: httpx.Response) -> bool:
    # GitHub answers 403, not 429, for a spent (or secondary) rate limit, with these headers
    headers = response.headers
    return response.status_code == 403 and (
        headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers
    )


def _reason(response: httpx.Response, token: str | None) -> str:
    text = _hide(response.text, token)
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    said = body.get("message") or body.get("error") if isinstance(body, dict) else None
    if said:
        text = said if isinstance(said, str) else json.dumps(said)
    text = " ".join(text.split()) or response.reason_phrase
    return text[:197] + "..." if len(text) > 200 else text


def _why(exc: Exception, token: str | None) -> str:
    return _hide(str(exc) or type(exc).__name__, token)[:120]


def _hide(text: str, token: str | None) -> str:
    # a CI that echoes the token in its error must not make us repeat it
    return text.replace(token, "[token hidden]") if token else text
