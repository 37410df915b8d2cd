"""When a Jira call is tried again, how long to wait, and the one plain error when it fails.

Reads (searches, issue and status gets, the list of transitions) are retried on a refused or
dropped connection, HTTP 429 and 502/503/504: at most 3 attempts, 0.2 s then 0.4 s apart, or what
a 429's `Retry-After` asks when that is at most 5 s (longer: not retried, said in the error). A
timed-out call is not retried: it used its time up. Writes are not retried, except a create whose
connection could not even be opened (nothing was sent): a create that may have reached Jira is
never sent twice. The classification is pure; `Tries` runs the attempts with tenacity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from urllib3.exceptions import MaxRetryError, NewConnectionError

from actions.errors import BackendUnavailable, EnvironmentFailure, PreprodError

T = TypeVar("T")

ATTEMPTS = 3
FIRST_WAIT_S = 0.2
MAX_RETRY_AFTER_S = 5.0
RETRY_STATUSES = frozenset({429, 502, 503, 504})

Retryable = Callable[[BaseException], bool]


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of a `JIRAError`, else None."""
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


def retry_after_s(exc: BaseException) -> float | None:
    """What the answer's `Retry-After` header asks for, in seconds (seconds or an HTTP date)."""
    response = getattr(exc, "response", None)
    value = str(getattr(response, "headers", {}).get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
        date = getattr(response, "headers", {}).get("Date")
        now = parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError):
        return None
    return max((when - now).total_seconds(), 0.0) if now else None


def transient(exc: BaseException) -> bool:
    """Whether a read that failed so is worth another attempt."""
    if isinstance(exc, requests.Timeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        return True
    status = status_of(exc)
    if status == 429:
        asked = retry_after_s(exc)
        return asked is None or asked <= MAX_RETRY_AFTER_S
    return status in RETRY_STATUSES


def unsent(exc: BaseException) -> bool:
    """Whether the connection could not be opened at all, so the request never left."""
    if not isinstance(exc, requests.ConnectionError) or isinstance(exc, requests.Timeout):
        return False
    cause = exc.args[0] if exc.args else None
    reason = cause.reason if isinstance(cause, MaxRetryError) else cause
    return isinstance(reason, NewConnectionError)


def never(exc: BaseException) -> bool:
    """Writes that may have reached Jira: not tried again."""
    return False


def wait_s(exc: BaseException | None, attempt: int) -> float:
    """How long to wait after failed attempt number `attempt` (1-based)."""
    asked = retry_after_s(exc) if exc is not None and status_of(exc) == 429 else None
    return asked if asked is not None else FIRST_WAIT_S * 2 ** (attempt - 1)


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    return wait_s(exc, state.attempt_number)


@dataclass
class Tries:
    """Runs calls with bounded retries and counts the attempts of the last one."""

    count: int = 0

    def run(self, call: Callable[[], T], retryable: Retryable) -> T:
        """The call's value, after at most `ATTEMPTS` tries while `retryable` says so."""
        self.count = 0
        retrying = Retrying(
            stop=stop_after_attempt(ATTEMPTS),
            wait=_wait,
            retry=retry_if_exception(retryable),
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                self.count += 1
                return call()
        raise AssertionError("unreachable: tenacity either returns or raises")


def reason(exc: BaseException) -> str:
    """The first line of what went wrong, at most 200 characters."""
    status = status_of(exc)
    text = str(getattr(exc, "text", "") or exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return f"HTTP {status}: {line[:200]}" if status else f"{type(exc).__name__}: {line[:200]}"


def plain_error(what: str, url: str, exc: BaseException, attempts: int = 1) -> PreprodError:
    """One line for people: `EnvironmentFailure` when Jira refused (4xx), else unavailable."""
    if isinstance(exc, PreprodError):
        return exc
    tried = f" ({attempts} attempts)" if attempts > 1 else ""
    status = status_of(exc)
    if status is not None:
        said = reason(exc)
        asked = retry_after_s(exc)
        if status == 429 and asked is not None and asked > MAX_RETRY_AFTER_S:
            said += f" (Jira asks to wait {asked:g} s)"
        refused = 400 <= status < 500 and status != 429
        kind = EnvironmentFailure if refused else BackendUnavailable
        return kind(f"Jira {what} failed at {url}: {said}{tried}")
    if isinstance(exc, requests.RequestException | OSError):
        return BackendUnavailable(
            f"Jira {what} failed: {url} did not answer ({reason(exc)}){tried}"
        )
    return BackendUnavailable(f"Jira {what} failed: unexpected answer from {url} ({reason(exc)})")
