"""Every API call through one door: a timeout, bounded retries where safe, and plain errors.

Reads are retried on connection errors and 5xx answers (3 tries, short backoff); writes only
when the connection could not be opened at all, so a change is never sent twice. What remains
becomes a `PreprodError` with a sentence a person can act on, never an ApiException dump.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import urllib3
from kubernetes.client.exceptions import ApiException
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from actions.environments.kubernetes.client import REQUEST_TIMEOUT_S
from actions.errors import BackendUnavailable, EnvironmentFailure, PreprodError

T = TypeVar("T")

TRIES = 3
NETWORK_ERRORS = (urllib3.exceptions.HTTPError, OSError)


class NotFound(EnvironmentFailure):
    """The object asked for does not exist."""


@dataclass(frozen=True)
class Calls:
    """Calls to one API server (`host` names it in errors)."""

    host: str
    tries: int = TRIES
    backoff_s: float = 0.2

    def read(self, fn: Callable[..., T], *args: Any, what: str, **kwargs: Any) -> T:
        """A read: retried on connection errors and 5xx."""
        return self._call(fn, args, kwargs, what, retry_if_exception(_transient))

    def write(self, fn: Callable[..., T], *args: Any, what: str, **kwargs: Any) -> T:
        """A change: retried only when the connection was never opened."""
        return self._call(fn, args, kwargs, what, retry_if_exception(_not_sent))

    def error(self, exc: BaseException, what: str) -> PreprodError:
        """The plain error for a failed call."""
        if isinstance(exc, ApiException) and exc.status:
            status = int(exc.status)
            detail = f"{status} {exc.reason or ''}".strip() + _api_message(exc)
            if status == 404:
                return NotFound(f"{what}: not found")
            if status == 401:
                return BackendUnavailable(
                    f"the Kubernetes API at {self.host} did not accept preprod's credentials "
                    f"while {what} ({detail})"
                )
            if status == 403:
                return EnvironmentFailure(f"{what} is not allowed by the cluster ({detail})")
            if status >= 500:
                return BackendUnavailable(
                    f"the Kubernetes API at {self.host} failed {what}: {detail}"
                )
            return EnvironmentFailure(f"{what} was refused: {detail}")
        return BackendUnavailable(f"cannot reach the Kubernetes API at {self.host}: {plain(exc)}")

    def _call(
        self,
        fn: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        what: str,
        when: retry_if_exception,
    ) -> T:
        kwargs.setdefault("_request_timeout", REQUEST_TIMEOUT_S)
        retrying = Retrying(
            stop=stop_after_attempt(self.tries),
            wait=wait_exponential(multiplier=self.backoff_s, max=2.0),
            retry=when,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return fn(*args, **kwargs)
        except (ApiException, *NETWORK_ERRORS) as exc:
            raise self.error(exc, what) from exc
        raise AssertionError("unreachable: tenacity either returns or raises")


def plain(exc: BaseException) -> str:
    """A short reason for a network failure: `connection refused`, `no answer within 10s`."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        reason = getattr(current, "reason", None)
        current = (
            (reason if isinstance(reason, BaseException) else None)
            or current.__cause__
            or current.__context__
        )
    for link in chain:
        if isinstance(link, socket.gaierror):
            return "host name not found"
        if isinstance(link, OSError) and link.strerror:
            return link.strerror.lower()
    for link in chain:
        if isinstance(link, urllib3.exceptions.NewConnectionError):
            return "connection refused" if "refused" in str(link) else "cannot connect"
        if isinstance(link, urllib3.exceptions.TimeoutError | TimeoutError):
            return f"no answer within {REQUEST_TIMEOUT_S:g}s"
        if isinstance(link, ApiException):
            return " ".join(str(link.reason or "TLS error").split())[:200]
    return type(exc).__name__


def _api_message(exc: ApiException) -> str:
    """The `message` of the API's Status body, on one line."""
    try:
        body = json.loads(exc.body) if exc.body else {}
    except (TypeError, ValueError):
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return f": {' '.join(str(message).split())[:300]}" if message else ""


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, ApiException):
        return not exc.status or int(exc.status) >= 500 or int(exc.status) == 429
    return isinstance(exc, NETWORK_ERRORS)


def _not_sent(exc: BaseException) -> bool:
    if isinstance(exc, urllib3.exceptions.MaxRetryError):
        exc = exc.reason or exc
    return isinstance(
        exc, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError
    )
