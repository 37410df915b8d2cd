"""Read one access-log line: common/combined log format, or a JSON object. Pure.

Combined is common plus `"referer" "user-agent"`; a number after them (nginx's `$request_time`,
or `rt=0.012`) is the request time in seconds. A JSON line is read through common key aliases,
dotted keys reaching into nested objects (`request.method`, `http.response.status_code`).
Request times in keys ending `_ms`, `_us` or `_ns` are in that unit, else in seconds.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_QUOTED = r'"((?:[^"\\]|\\.)*)"'
_CLF = re.compile(
    r"^(\S+) (\S+) (\S+) \[([^\]]+)\] " + _QUOTED + r" (\d{3}|-) (\d+|-)"
    r"(?: " + _QUOTED + " " + _QUOTED + r")?(.*)$"
)
_CLF_TIME = re.compile(
    r"^(\d{1,2})/(\w{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?: ([+-])(\d{2})(\d{2}))?$"
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_TRAILING_TIME = re.compile(r"^\s+(?:(?:rt|request_time)=)?(\d+(?:\.\d+)?)(?:\s|$)")
_ALIASES = {
    "method": ("method", "request_method", "http_method", "verb", "request.method",
               "http.request.method", "req.method"),
    "path": ("path", "uri", "request_uri", "url", "request_path", "request.uri", "request.path",
             "url.path", "url.original", "req.url"),
    "request": ("request", "request_line"),
    "status": ("status", "status_code", "response_status", "http_status", "code",
               "response.status", "http.response.status_code", "res.statusCode"),
    "bytes": ("bytes", "body_bytes_sent", "bytes_sent", "response_size", "size", "resp_bytes",
              "content_length", "response.size", "http.response.body.bytes"),
    "time": ("time", "timestamp", "ts", "@timestamp", "time_local", "time_iso8601", "datetime",
             "date"),
    "request_time": ("request_time", "duration_ms", "response_time_ms", "latency_ms",
                     "elapsed_ms", "duration", "latency", "response_time", "elapsed",
                     "duration_us", "duration_ns", "event.duration"),
}  # fmt: skip
_TIME_UNITS_MS = {"_ms": 1.0, "_us": 1e-3, "_ns": 1e-6, "event.duration": 1e-6}


class LineError(ValueError):
    """A line is not an access-log record; the message is the reason (never the line)."""


@dataclass(frozen=True, slots=True)
class AccessRecord:
    """One request as an access log saw it."""

    method: str
    target: str  # path and query string, as sent
    status: int | None = None
    bytes: int | None = None
    time: datetime | None = None
    request_time_ms: float | None = None


def parse_line(line: str) -> AccessRecord:
    """The request on `line`; raises `LineError` with the reason if there is none."""
    text = line.strip()
    if text.startswith("{"):
        return _json_record(text)
    match = _CLF.match(text)
    if not match:
        raise LineError("neither common/combined log format nor JSON")
    method, target = _request_line(match.group(5))
    trailing = _TRAILING_TIME.match(match.group(10) or "")
    return AccessRecord(
        method=method,
        target=target,
        status=None if match.group(6) == "-" else int(match.group(6)),
        bytes=None if match.group(7) == "-" else int(match.group(7)),
        time=_clf_time(match.group(4)),
        request_time_ms=float(trailing.group(1)) * 1000.0 if trailing else None,
    )


def _request_line(request: str) -> tuple[str, str]:
    parts = request.split()
    if len(parts) not in (2, 3):
        raise LineError("the request is not 'METHOD /path HTTP/x'")
    return _method(parts[0]), _target(parts[1])


def _method(value: Any) -> str:
    method = str(value).upper()
    if method not in METHODS:
        raise LineError("not an HTTP method")
    return method


def _target(value: Any) -> str:
    target = str(value)
    if not target.startswith("/"):
        try:
            split = urlsplit(target)  # a proxy's absolute URL
        except ValueError:
            raise LineError("the request target is not a path") from None
        if not split.scheme or not split.netloc:
            raise LineError("the request target is not a path")
        target = (split.path or "/") + (f"?{split.query}" if split.query else "")
    return target.split("#", 1)[0]


def _clf_time(text: str) -> datetime:
    match = _CLF_TIME.match(text)
    if not match or match.group(2) not in _MONTHS:
        raise LineError("the time is not like 10/Oct/2000:13:55:36 -0700")
    day, _, year, hour, minute, second, sign, off_h, off_m = match.groups()
    zone = UTC
    if sign:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        zone = timezone(-offset if sign == "-" else offset)
    try:
        return datetime(
            int(year), _MONTHS[match.group(2)], int(day), int(hour), int(minute), int(second),
            tzinfo=zone,
        )  # fmt: skip
    except ValueError:
        raise LineError("the time is not a real date") from None


def _json_record(text: str) -> AccessRecord:
    try:
        data = json.loads(text)
    except ValueError:
        raise LineError("not valid JSON") from None
    if not isinstance(data, dict):
        raise LineError("not a JSON object")
    method, target = _lookup(data, "method"), _lookup(data, "path")
    if (method is None or target is None) and isinstance(_lookup(data, "request"), str):
        method, target = _request_line(str(_lookup(data, "request")))
    if method is None or target is None:
        raise LineError("no request method and path")
    return AccessRecord(
        method=_method(method),
        target=_target(target),
        status=_int(_lookup(data, "status"), "status"),
        bytes=_int(_lookup(data, "bytes"), "bytes"),
        time=_time(_lookup(data, "time")),
        request_time_ms=_request_time(data),
    )


def _lookup(data: dict[str, Any], field: str, key: str | None = None) -> Any:
    for alias in (key,) if key else _ALIASES[field]:
        value: Any = data.get(alias)
        if value is None and "." in alias:
            value = data
            for part in alias.split("."):
                value = value.get(part) if isinstance(value, dict) else None
        if value is not None and value != "-" and not isinstance(value, dict | list):
            return value
    return None


def _int(value: Any, field: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise LineError(f"the {field} is not a number") from None


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
        while seconds > 1e11:  # milliseconds, microseconds or nanoseconds since the epoch
            seconds /= 1000.0
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise LineError("the time is not a real date") from None
    text = str(value)
    if _CLF_TIME.match(text):
        return _clf_time(text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise LineError("the time is neither ISO 8601, common log format nor epoch") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _request_time(data: dict[str, Any]) -> float | None:
    for key in _ALIASES["request_time"]:
        value = _lookup(data, "request_time", key)
        if value is None:
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise LineError("the request time is not a number") from None
        unit = next((ms for end, ms in _TIME_UNITS_MS.items() if key.endswith(end)), 1000.0)
        return number * unit
    return None
