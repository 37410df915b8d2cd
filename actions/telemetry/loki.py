"""Logs from Loki over httpx: LogQL range queries, for a service and a time window.

`logs_for` builds the LogQL from the configured stream selector (`{service}`, `{namespace}`) and an
optional `|=` line filter, with values escaped as LogQL strings. Log queries give `LogLine`s merged
across streams in time order; metric queries (`count_over_time`, `rate`, ...) give `Series`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from actions.telemetry.http import Backend, BackendClient, QueryRejected

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Direction = Literal["forward", "backward"]
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_SELECTOR_PLACEHOLDERS = frozenset({"service", "namespace"})


class LokiConfig(Backend):
    """Where Loki is and how to find a service's streams. Credentials come from the environment."""

    selector_template: str = '{app="{service}", namespace="{namespace}"}'
    limit: int = Field(1000, ge=1, le=5000)

    @field_validator("selector_template")
    @classmethod
    def _selector_is_a_selector(cls, value: str) -> str:
        text = value.strip()
        if not (text.startswith("{") and text.endswith("}")) or text.startswith("{{"):
            raise ValueError(
                f"{value!r} is not a LogQL stream selector; write it with single braces, "
                'e.g. {app="{service}", namespace="{namespace}"}'
            )
        unknown = set(_PLACEHOLDER.findall(text)) - _SELECTOR_PLACEHOLDERS
        if unknown:
            raise ValueError(
                f"unknown placeholder(s) {sorted(unknown)}; use {{service}}, {{namespace}}"
            )
        return text


class LogLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    timestamp: datetime
    timestamp_ns: int
    labels: dict[str, str]
    line: str


class Sample(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    value: float


class Series(BaseModel):
    """One series of a metric query: its labels and its samples in time order."""

    labels: dict[str, str]
    samples: list[Sample]


def logql_string(value: str) -> str:
    """`value` as a double-quoted LogQL (Go) string literal, so it cannot break out of the query."""
    out = []
    for char in value:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def build_query(
    selector_template: str, *, service: str, namespace: str = "", contains: str | None = None
) -> str:
    """A service's LogQL: the selector filled with escaped values, then `|= contains`."""
    values = {"service": service, "namespace": namespace}

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise QueryRejected(f"unknown placeholder {{{name}}} in the Loki selector template")
        return logql_string(values[name])[1:-1]

    query = _PLACEHOLDER.sub(fill, selector_template)
    if contains:
        query += f" |= {logql_string(contains)}"
    return query


def to_ns(moment: datetime) -> int:
    """Unix nanoseconds of a timezone-aware datetime (exact to the microsecond)."""
    if moment.tzinfo is None:
        raise ValueError(f"{moment} has no timezone; pass an aware datetime (e.g. UTC)")
    return (moment - EPOCH) // timedelta(microseconds=1) * 1000


def from_ns(ns: int) -> datetime:
    return EPOCH + timedelta(microseconds=ns // 1000)


class LokiClient(BackendClient[LokiConfig]):
    """Queries one Loki (one tenant) with a timeout, bounded retries and plain errors."""

    name = "Loki"
    backend = "loki"

    def query_range(
        self,
        logql: str,
        start: datetime,
        end: datetime,
        limit: int | None = None,
        direction: Direction = "forward",
    ) -> list[LogLine]:
        """The log lines of a log query in [start, end), all streams merged in `direction` order."""
        limit = limit or self.config.limit
        data = self._query(logql, start, end, limit=limit, direction=direction)
        if data.get("resultType") != "streams":
            raise QueryRejected(
                f"{logql!r} is a metric query ({data.get('resultType')}); use metric_range"
            )
        lines = [
            LogLine(
                timestamp=from_ns(int(ns)),
                timestamp_ns=int(ns),
                labels=dict(stream.get("stream") or {}),
                line=line,
            )
            for stream in data.get("result") or []
            for ns, line, *_ in stream.get("values") or []
        ]
        lines.sort(key=lambda item: item.timestamp_ns, reverse=direction == "backward")
        return lines[:limit]

    def metric_range(
        self, logql: str, start: datetime, end: datetime, step: timedelta | None = None
    ) -> list[Series]:
        """The samples of a metric query, e.g. `sum(count_over_time({app="x"} |= "error" [1m]))`."""
        params: dict[str, str | int] = {}
        if step is not None:
            params["step"] = f"{step.total_seconds():g}"
        data = self._query(logql, start, end, **params)
        kind = data.get("resultType")
        if kind == "matrix":
            return [
                Series(labels=dict(item.get("metric") or {}), samples=_samples(item["values"]))
                for item in data.get("result") or []
            ]
        if kind == "vector":
            return [
                Series(labels=dict(item.get("metric") or {}), samples=_samples([item["value"]]))
                for item in data.get("result") or []
            ]
        raise QueryRejected(f"{logql!r} is a log query, not a metric query; use query_range")

    def logs_for(
        self,
        service: str,
        namespace: str,
        start: datetime,
        end: datetime,
        contains: str | None = None,
        *,
        limit: int | None = None,
        direction: Direction = "forward",
    ) -> list[LogLine]:
        """A service's log lines in a window, optionally only those containing `contains`."""
        query = build_query(
            self.config.selector_template, service=service, namespace=namespace, contains=contains
        )
        return self.query_range(query, start, end, limit=limit, direction=direction)

    def _query(self, logql: str, start: datetime, end: datetime, **extra: str | int) -> Any:
        params: dict[str, str | int] = {"query": logql, "start": to_ns(start), "end": to_ns(end)}
        params.update(extra)
        body = self._api.get("/loki/api/v1/query_range", params)
        if not isinstance(body, dict) or body.get("status") != "success":
            error = body.get("error") if isinstance(body, dict) else None
            raise QueryRejected(f"Loki did not answer the query: {error or str(body)[:200]}")
        return body.get("data") or {}


def _samples(points: list[list[Any]]) -> list[Sample]:
    return [Sample(at=EPOCH + timedelta(seconds=float(t)), value=float(v)) for t, v in points]
