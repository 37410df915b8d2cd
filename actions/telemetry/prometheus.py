"""Service-level indicators from Prometheus, through prometheus-api-client.

SLIs are PromQL templates from the config (`{service}`, `{namespace}`, `{window}`), queried as an
instant value at the end of a step's window or as a range over it. Every query has a timeout and
a bounded retry; a Prometheus that is down or slow becomes one plain `BackendUnavailable`.
Credentials (a bearer token or basic auth) come from the environment, see `credentials.py`; a
Prometheus that refuses them is a plain `QueryError` naming the variables to set.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import requests
from prometheus_api_client import PrometheusApiClientException, PrometheusConnect
from pydantic import BaseModel
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential
from urllib3.util.retry import Retry

from actions.durations import parse_duration
from actions.errors import BackendUnavailable, PreprodError
from actions.telemetry.credentials import Credentials, read_credentials
from actions.telemetry.settings import SLI, PrometheusConfig

T = TypeVar("T")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_LABEL_VALUE = re.compile(r'^[^"\\\n]{0,200}$')
_STATUS = re.compile(r"HTTP Status Code (\d{3})")


class Sample(BaseModel):
    at: datetime
    value: float


class QueryError(PreprodError):
    """Prometheus answered, but refused the query (e.g. a PromQL syntax error)."""


def render(
    sli: SLI, *, service: str, namespace: str = "", window: str = "5m", track: str = ""
) -> str:
    """The SLI's PromQL with its placeholders filled; label values are checked, not trusted.

    `{track}` is "canary" for a canary's pods and "" for the others (pods without the label).
    """
    values = {"service": service, "namespace": namespace, "window": window, "track": track}
    for key in ("service", "namespace", "track"):
        if not _LABEL_VALUE.match(values[key]):
            raise QueryError(f"{key} {values[key]!r} cannot be used in a PromQL label matcher")
    if not re.fullmatch(r"\d+(ms|s|m|h|d)", window):
        raise QueryError(f"window {window!r} is not a PromQL duration")

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise QueryError(f"SLI {sli.name}: unknown placeholder {{{name}}}")
        return values[name]

    return _PLACEHOLDER.sub(fill, sli.query)


class Prometheus:
    """Instant and range queries with a timeout, bounded retries and plain errors."""

    def __init__(
        self,
        config: PrometheusConfig,
        *,
        credentials: Credentials | None = None,
        session: requests.Session | None = None,
    ):
        """A client of `config.url`, with `credentials` or else those of the environment."""
        self.config = config
        self.timeout = parse_duration(config.timeout)
        self.credentials = read_credentials("prometheus") if credentials is None else credentials
        # Retries are ours (bounded, with tenacity); the library's own would multiply them.
        self._client = PrometheusConnect(
            url=config.url.rstrip("/"),
            headers=self.credentials.headers(),
            auth=self.credentials.basic(),
            disable_ssl=False,
            session=session,
            timeout=self.timeout,
            retry=Retry(total=0, connect=0, read=0, redirect=0, status=0),
        )

    def instant(self, query: str, at: datetime | None = None) -> float | None:
        """One number: the query's value at `at` (now if None); None when there is no data."""
        params = {"time": at.timestamp()} if at else None
        data = self._call(lambda: self._client.custom_query(query, params=params))
        values = [float(item["value"][1]) for item in data if "value" in item]
        finite = [v for v in values if math.isfinite(v)]
        if len(data) > 1:
            raise QueryError(f"query returned {len(data)} series; aggregate it to one (sum, max)")
        return finite[0] if finite else None

    def range(self, query: str, start: datetime, end: datetime, step: str = "5s") -> list[Sample]:
        """The query's values over a window (one series; NaN and Inf dropped)."""
        data = self._call(
            lambda: self._client.custom_query_range(
                query, start_time=start, end_time=end, step=step
            )
        )
        if len(data) > 1:
            raise QueryError(f"query returned {len(data)} series; aggregate it to one (sum, max)")
        points = data[0].get("values", []) if data else []
        return [
            Sample(at=datetime.fromtimestamp(float(t), tz=start.tzinfo), value=float(v))
            for t, v in points
            if math.isfinite(float(v))
        ]

    def sli(
        self,
        sli: SLI,
        *,
        service: str,
        namespace: str = "",
        window: str = "5m",
        at: datetime | None = None,
    ) -> float | None:
        """An SLI's value for a service, scaled for display."""
        value = self.instant(render(sli, service=service, namespace=namespace, window=window), at)
        return None if value is None else value * sli.scale

    def _call(self, fn: Callable[[], T]) -> T:
        @retry(
            retry=retry_if_exception_type(requests.exceptions.ConnectionError)
            | retry_if_exception_type(requests.exceptions.Timeout),
            stop=stop_after_attempt(self.config.tries),
            wait=wait_exponential(multiplier=0.2, max=2),
            reraise=True,
        )
        def attempt() -> T:
            return fn()

        try:
            return attempt()
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise BackendUnavailable(
                f"Prometheus at {self.config.url} did not answer "
                f"({type(exc).__name__}, {self.config.tries} tries)"
            ) from None
        except PrometheusApiClientException as exc:
            raise self._refusal(exc) from None

    def _refusal(self, exc: PrometheusApiClientException) -> QueryError:
        found = _STATUS.search(str(exc))
        status = int(found.group(1)) if found else None
        where = f"Prometheus at {self.config.url}"
        source = self.credentials.source()
        if status == 401 and self.credentials.kind == "none":
            return QueryError(f"{where} wants credentials (HTTP 401 unauthorized): set {source}")
        if status == 401:
            return QueryError(
                f"{where} refused the credentials from {source} (HTTP 401 unauthorized)"
            )
        if status == 403:
            return QueryError(f"{where} denied access (HTTP 403 forbidden)")
        return QueryError(f"Prometheus refused the query: {_message(exc)}")


def _message(exc: Exception) -> str:
    text = str(exc)
    found: Any = re.search(r'"error":"([^"]+)"', text)
    return found.group(1) if found else text[:300]
