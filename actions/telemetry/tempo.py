"""Traces from Tempo over httpx: one trace by its id, and a search by service, tags and duration.

A trace comes back as OTLP JSON (`batches` from `/api/traces`, or `resourceSpans`); it is read
into a typed `Trace` whose spans carry their service, timing, status and attributes. Ids may be
hex or base64 (Tempo's jsonpb); they are always given back as lower-case hex.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from actions.telemetry.http import Backend, BackendClient, QueryRejected

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_ERROR_CODES = {2, "2", "STATUS_CODE_ERROR", "ERROR"}
_OK_CODES = {1, "1", "STATUS_CODE_OK", "OK"}


class TempoConfig(Backend):
    """Where Tempo is. Credentials come from the environment."""


class TraceNotFound(QueryRejected):
    """Tempo has no trace with that id (not yet flushed, expired, or never sent)."""


class Span(BaseModel):
    model_config = ConfigDict(frozen=True)

    span_id: str
    parent_span_id: str | None
    service: str
    name: str
    kind: str = ""
    start_ns: int
    end_ns: int
    status: str = "unset"  # unset | ok | error
    status_message: str = ""
    attributes: dict[str, Any] = Field(default_factory=dict)

    @property
    def duration_ms(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6

    @property
    def start(self) -> datetime:
        return EPOCH + timedelta(microseconds=self.start_ns // 1000)

    @property
    def is_error(self) -> bool:
        return self.status == "error"


class Trace(BaseModel):
    trace_id: str
    spans: list[Span]
    root_service: str
    root_name: str
    duration_ms: float

    def slowest(self, count: int = 5) -> list[Span]:
        """The `count` longest spans, longest first."""
        return sorted(self.spans, key=lambda span: span.duration_ms, reverse=True)[:count]

    def errors(self) -> list[Span]:
        """The spans whose status is error, in start order."""
        return [span for span in self.spans if span.is_error]


class TraceSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    trace_id: str
    root_service: str
    root_name: str
    start: datetime
    duration_ms: float


def normalize_id(value: str, size: int = 16) -> str:
    """A trace (16 bytes) or span (8 bytes) id as lower-case hex, from hex or base64."""
    text = value.strip()
    if _HEX.match(text) and len(text) <= size * 2:
        return text.lower().rjust(size * 2, "0")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise QueryRejected(f"{value!r} is not a trace or span id") from None
    return raw.hex().rjust(size * 2, "0")


def parse_trace(trace_id: str, body: Mapping[str, Any]) -> Trace:
    """A typed trace from Tempo's OTLP JSON (`batches`, `resourceSpans`, or a `trace` wrapper)."""
    if isinstance(body.get("trace"), Mapping):
        body = body["trace"]
    batches = body.get("batches") or body.get("resourceSpans") or []
    spans = sorted(_spans(batches), key=lambda span: (span.start_ns, span.span_id))
    if not spans:
        raise TraceNotFound(f"trace {trace_id} has no spans (yet)")
    ids = {span.span_id for span in spans}
    roots = [span for span in spans if span.parent_span_id not in ids] or spans
    root = roots[0]
    start = min(span.start_ns for span in spans)
    end = max(span.end_ns for span in spans)
    return Trace(
        trace_id=trace_id,
        spans=spans,
        root_service=root.service,
        root_name=root.name,
        duration_ms=(end - start) / 1e6,
    )


def logfmt(tags: Mapping[str, str | int | float | bool]) -> str:
    """Tempo's `tags` parameter: `key=value` pairs, values quoted where logfmt needs it."""
    parts = []
    for key, value in tags.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if not text or re.search(r'[\s"=\\]', text):
            text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        parts.append(f"{key}={text}")
    return " ".join(parts)


class TempoClient(BackendClient[TempoConfig]):
    """Reads traces from one Tempo (one tenant) with a timeout, bounded retries and plain errors."""

    name = "Tempo"
    backend = "tempo"

    def trace(self, trace_id: str) -> Trace:
        """One trace by its id; `TraceNotFound` if Tempo does not have it."""
        hex_id = normalize_id(trace_id)
        try:
            body = self._api.get(f"/api/traces/{hex_id}")
        except QueryRejected as exc:
            if exc.status == 404:
                raise TraceNotFound(f"trace {trace_id} not found in Tempo", status=404) from None
            raise
        return parse_trace(hex_id, body if isinstance(body, Mapping) else {})

    def search(
        self,
        service: str | None = None,
        tags: Mapping[str, str | int | float | bool] | None = None,
        min_duration_ms: float | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 20,
    ) -> list[TraceSummary]:
        """Recent traces with a span of `service` carrying all `tags`, at least that long."""
        all_tags: dict[str, str | int | float | bool] = {}
        if service:
            all_tags["service.name"] = service
        all_tags.update(tags or {})
        params: dict[str, str | int] = {"limit": limit}
        if all_tags:
            params["tags"] = logfmt(all_tags)
        if min_duration_ms is not None:
            params["minDuration"] = f"{min_duration_ms:g}ms"
        if start is not None:
            params["start"] = _unix_seconds(start)
        if end is not None:
            params["end"] = _unix_seconds(end)
        body = self._api.get("/api/search", params)
        traces = body.get("traces") if isinstance(body, Mapping) else None
        return [_summary(item) for item in traces or []]


def _unix_seconds(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"{moment} has no timezone; pass an aware datetime (e.g. UTC)")
    return int(moment.timestamp())


def _summary(item: Mapping[str, Any]) -> TraceSummary:
    start_ns = int(item.get("startTimeUnixNano") or 0)
    return TraceSummary(
        trace_id=normalize_id(str(item.get("traceID", ""))),
        root_service=str(item.get("rootServiceName") or "<root span not yet received>"),
        root_name=str(item.get("rootTraceName") or ""),
        start=EPOCH + timedelta(microseconds=start_ns // 1000),
        duration_ms=float(item.get("durationMs") or 0),
    )


def _spans(batches: Iterable[Mapping[str, Any]]) -> Iterable[Span]:
    for batch in batches:
        resource = attributes((batch.get("resource") or {}).get("attributes"))
        service = str(resource.get("service.name", "unknown"))
        scopes = (
            batch.get("scopeSpans")
            or batch.get("instrumentationLibrarySpans")
            or batch.get("ilSpans")
            or []
        )
        for scope in scopes:
            for raw in scope.get("spans") or []:
                yield _span(raw, service)


def _span(raw: Mapping[str, Any], service: str) -> Span:
    status = raw.get("status") or {}
    code = status.get("code", 0)
    parent = raw.get("parentSpanId") or ""
    return Span(
        span_id=normalize_id(str(raw.get("spanId", "")), size=8),
        parent_span_id=normalize_id(parent, size=8) if parent else None,
        service=service,
        name=str(raw.get("name", "")),
        kind=str(raw.get("kind", "")),
        start_ns=int(raw.get("startTimeUnixNano") or 0),
        end_ns=int(raw.get("endTimeUnixNano") or 0),
        status="error" if code in _ERROR_CODES else "ok" if code in _OK_CODES else "unset",
        status_message=str(status.get("message", "")),
        attributes=attributes(raw.get("attributes")),
    )


def attributes(items: Iterable[Mapping[str, Any]] | None) -> dict[str, Any]:
    """OTLP `[{key, value: {stringValue | intValue | ...}}]` as a plain dict."""
    return {str(item.get("key")): _value(item.get("value") or {}) for item in items or []}


def _value(value: Mapping[str, Any]) -> Any:
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        return int(value["intValue"])
    if "doubleValue" in value:
        return float(value["doubleValue"])
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "arrayValue" in value:
        return [_value(v) for v in (value["arrayValue"] or {}).get("values") or []]
    if "kvlistValue" in value:
        return attributes((value["kvlistValue"] or {}).get("values"))
    return None
