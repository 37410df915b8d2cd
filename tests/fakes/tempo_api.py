"""A fake Tempo: trace by id and search over real HTTP on 127.0.0.1, with Tempo's semantics.

`FakeTempo` stores traces as OTLP JSON (build them with `otlp_trace`) and answers
`GET /api/traces/<hex id>` (the trace as `{"batches": [...]}`, ids base64 as Tempo's jsonpb
gives them; 404 "trace not found") and `GET /api/search` (`tags` in logfmt, matched on one span with
its resource attributes; `minDuration`/`maxDuration`; `start`/`end` in Unix seconds; `limit`,
default 20; most recent first; trace ids without leading zeros, as Tempo prints them).
Requests are recorded; the knobs of `FakeBackend` make it slow, failing or down, or require an
`Authorization` header (`authorization=`).
"""

from __future__ import annotations

import base64
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.loki_api import Answer, BadRequest, FakeBackend


@dataclass(frozen=True)
class SpanSpec:
    """One span to put into a fake trace; times in Unix ns."""

    span_id: str  # 16 hex digits
    service: str
    name: str
    start_ns: int
    duration_ms: float
    parent_id: str | None = None
    error: bool = False
    attributes: dict[str, str | int | float | bool] = field(default_factory=dict)


def otlp_trace(trace_id: str, spans: list[SpanSpec]) -> dict[str, Any]:
    """A trace as Tempo returns it: `batches` per service, ids base64, attribute values typed."""
    batches: dict[str, list[dict[str, Any]]] = {}
    for spec in spans:
        span: dict[str, Any] = {
            "traceId": _b64(trace_id),
            "spanId": _b64(spec.span_id),
            "name": spec.name,
            "kind": "SPAN_KIND_SERVER",
            "startTimeUnixNano": str(spec.start_ns),
            "endTimeUnixNano": str(spec.start_ns + int(spec.duration_ms * 1e6)),
            "attributes": [_attribute(k, v) for k, v in spec.attributes.items()],
            "status": {"code": "STATUS_CODE_ERROR", "message": "boom"} if spec.error else {},
        }
        if spec.parent_id:
            span["parentSpanId"] = _b64(spec.parent_id)
        batches.setdefault(spec.service, []).append(span)
    return {
        "batches": [
            {
                "resource": {"attributes": [_attribute("service.name", service)]},
                "scopeSpans": [{"scope": {"name": "fake"}, "spans": items}],
            }
            for service, items in batches.items()
        ]
    }


def _b64(hex_id: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_id)).decode()


def _attribute(key: str, value: str | int | float | bool) -> dict[str, Any]:
    if isinstance(value, bool):
        typed: dict[str, Any] = {"boolValue": value}
    elif isinstance(value, int):
        typed = {"intValue": str(value)}
    elif isinstance(value, float):
        typed = {"doubleValue": value}
    else:
        typed = {"stringValue": str(value)}
    return {"key": key, "value": typed}


@dataclass(frozen=True)
class _Flat:
    """A stored span, flattened for search."""

    service: str
    name: str
    start_ns: int
    end_ns: int
    parent: bool
    tags: dict[str, str]


class FakeTempo(FakeBackend):
    """Add traces, then point a Tempo client at `url`."""

    single_tenant = "single-tenant"

    def __init__(self, *, multi_tenant: bool = False, authorization: str | None = None):
        super().__init__(multi_tenant=multi_tenant, authorization=authorization)
        self.traces: dict[str, dict[str, dict[str, Any]]] = {}

    def add(self, trace_id: str, trace: dict[str, Any], *, tenant: str = "single-tenant") -> None:
        with self._lock:
            self.traces.setdefault(tenant, {})[trace_id.lower().rjust(32, "0")] = trace

    def answer(self, path: str, params: dict[str, str], tenant: str) -> Answer:
        with self._lock:
            traces = dict(self.traces.get(tenant, {}))
        if path.startswith("/api/traces/"):
            raw = path.removeprefix("/api/traces/")
            if not re.fullmatch(r"[0-9a-fA-F]{1,32}", raw):
                raise BadRequest(f"invalid trace id: {raw}")
            found = traces.get(raw.lower().rjust(32, "0"))
            return (200, found) if found else (404, "trace not found\n")
        if path == "/api/search":
            return 200, {"traces": _search(traces, params), "metrics": {}}
        if path == "/ready":
            return 200, "ready\n"
        return 404, "404 page not found\n"


def _search(traces: dict[str, dict[str, Any]], params: dict[str, str]) -> list[dict[str, Any]]:
    tags = _logfmt(params.get("tags", ""))
    low = _duration_ms(params["minDuration"], "minDuration") if "minDuration" in params else 0
    high = _duration_ms(params["maxDuration"], "maxDuration") if "maxDuration" in params else None
    start = int(params["start"]) * 10**9 if "start" in params else None
    end = int(params["end"]) * 10**9 if "end" in params else None
    found = []
    for trace_id, trace in traces.items():
        spans = _flatten(trace)
        first = min(s.start_ns for s in spans)
        last = max(s.end_ns for s in spans)
        duration = (last - first) / 1e6
        if duration < low or (high is not None and duration > high):
            continue
        if (start is not None and last < start) or (end is not None and first > end):
            continue
        if tags and not any(all(s.tags.get(k) == v for k, v in tags.items()) for s in spans):
            continue
        root = next((s for s in spans if not s.parent), spans[0])
        summary: dict[str, Any] = {
            "traceID": trace_id.lstrip("0"),
            "rootServiceName": root.service,
            "rootTraceName": root.name,
            "startTimeUnixNano": str(first),
        }
        if int(duration):
            summary["durationMs"] = int(duration)
        found.append((first, summary))
    found.sort(key=lambda item: item[0], reverse=True)
    return [summary for _, summary in found[: int(params.get("limit", 20))]]


def _flatten(trace: dict[str, Any]) -> list[_Flat]:
    out = []
    for batch in trace.get("batches", []):
        resource = _attributes(batch.get("resource", {}).get("attributes", []))
        for scope in batch.get("scopeSpans", []):
            for span in scope.get("spans", []):
                code = span.get("status", {}).get("code", "")
                tags = {
                    **resource,
                    **_attributes(span.get("attributes", [])),
                    "name": span["name"],
                    "status.code": "error" if code == "STATUS_CODE_ERROR" else "unset",
                }
                out.append(
                    _Flat(
                        service=resource.get("service.name", ""),
                        name=span["name"],
                        start_ns=int(span["startTimeUnixNano"]),
                        end_ns=int(span["endTimeUnixNano"]),
                        parent=bool(span.get("parentSpanId")),
                        tags=tags,
                    )
                )
    return out


def _attributes(items: list[dict[str, Any]]) -> dict[str, str]:
    out = {}
    for item in items:
        value = next(iter(item["value"].values()))
        out[item["key"]] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


def _logfmt(text: str) -> dict[str, str]:
    try:
        words = shlex.split(text, posix=True)
    except ValueError as exc:
        raise BadRequest(f"invalid tags: {exc}") from None
    tags = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise BadRequest(f"invalid tags: {word!r} is not key=value")
        tags[key] = value
    return tags


def _duration_ms(text: str, name: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", text)
    if not match:
        raise BadRequest(f'invalid {name}: time: invalid duration "{text}"')
    scale = {"ns": 1e-6, "us": 1e-3, "µs": 1e-3, "ms": 1, "s": 1e3, "m": 6e4, "h": 3.6e6}
    return float(match.group(1)) * scale[match.group(2)]
