"""One log line read as a record: JSON, logfmt, or plain text with a leading timestamp and level.

Out of each line come its time, a normalised level (debug, info, warning, error, critical), the
service, the message, the exception type (from a field, an error text or a traceback's last line)
and the endpoint (`GET /api/products/{id}`: identifiers in the path become placeholders, so one
endpoint is one suspect). Nothing here raises on a malformed line: it is then plain text. Pure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from actions.testing.identifiers import normalise_path

_TIME_KEYS = ("ts", "time", "timestamp", "@timestamp", "datetime", "asctime", "date", "t")
_LEVEL_KEYS = ("level", "severity", "levelname", "lvl", "log.level", "loglevel", "level_name")
_SERVICE_KEYS = ("service", "service.name", "logger", "logger_name", "name", "app", "component")
_MESSAGE_KEYS = ("msg", "message", "event", "text", "log")
_EXCEPTION_KEYS = ("exception.type", "error.type", "exc_type", "exception")
_ERROR_KEYS = ("error", "err", "error.message", "exc_info", "exception", "stack_trace", "traceback")
_PATH_KEYS = ("route", "endpoint", "path", "url", "http.path", "http.route", "uri")
_METHOD_KEYS = ("method", "http.method", "request_method", "verb")

_LEVELS = {
    "trace": "debug",
    "debug": "debug",
    "fine": "debug",
    "info": "info",
    "information": "info",
    "informational": "info",
    "notice": "info",
    "warn": "warning",
    "warning": "warning",
    "error": "error",
    "err": "error",
    "severe": "error",
    "fail": "error",
    "critical": "critical",
    "crit": "critical",
    "fatal": "critical",
    "emerg": "critical",
    "emergency": "critical",
    "alert": "critical",
    "panic": "critical",
}
_LEVEL_WORD = "|".join(sorted(_LEVELS, key=len, reverse=True))
_TIMESTAMP = (
    r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"
    r"|\[\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\]"
)
_PLAIN = re.compile(
    rf"^(?P<ts>{_TIMESTAMP})?\s*"
    rf"(?:[\[(<]?(?P<level>(?i:{_LEVEL_WORD}))[\])>]?(?::|\s*-|(?=\s)))?\s*"
    r"(?:\[(?P<tag>[\w.-]+)\]\s+|\[[^\]]*\]\s+)?"  # [service], or [a thread name]
    r"(?::?(?P<service>[\w.-]+):(?=\S)|(?P<logger>[A-Za-z_][\w$]*(?:\.[\w$]+)+):\s)?"
    r"\s*(?P<msg>.*)$",
    re.S,
)
# `Dec 10 07:07:45 host sshd[24206]: message`: the program is the service; the time has no year,
# so it is not read (a guessed year would misplace it against the run's events)
_SYSLOG = re.compile(
    r"^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d\d:\d\d:\d\d "
    r"\S+ (?P<service>[\w./-]+)(?:\[\d+\])?: (?P<msg>.*)$",
    re.S,
)
_LOGFMT = re.compile(r'([A-Za-z_][\w.@-]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)')
_EXCEPTION_ENDINGS = ("Error", "Exception", "Exit", "Interrupt", "Fault", "Timeout")
_EXCEPTION_NAME = re.compile(
    rf"\b((?:[A-Za-z_][\w$]*\.)*[A-Z][\w$]*(?:{'|'.join(_EXCEPTION_ENDINGS)}))\b"
)
_ENDPOINT = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (/[^\s\"?]*)")
_NUMBER_LEVELS = ((50, "critical"), (40, "error"), (30, "warning"), (20, "info"), (0, "debug"))


@dataclass(frozen=True)
class LogRecord:
    """What one line says: every field but the message may be unknown."""

    message: str
    timestamp: datetime | None = None
    level: str | None = None
    service: str | None = None
    exception: str | None = None
    endpoint: str | None = None
    error: str | None = None

    @property
    def text(self) -> str:
        """What is mined: the message, with the error text when the message does not hold it."""
        if self.error and self.error not in self.message:
            return f"{self.message}: {self.error}" if self.message else self.error
        return self.message

    @property
    def failing(self) -> bool:
        """An error or critical line, or one that carries an exception (unless it says it is
        only debug or info: `retrying after TimeoutError`)."""
        if self.level in ("error", "critical"):
            return True
        return self.exception is not None and self.level not in ("debug", "info")


def parse_line(line: str, *, service: str | None = None) -> LogRecord:
    """The record of one line; `service` is the default when the line names none."""
    text = line.strip()
    if text.startswith("{") and text.endswith("}"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return _from_fields(_flatten(data), service)
    if "=" in text and (fields := _logfmt(text)) is not None:
        return _from_fields(fields, service)
    return _plain(text, service)


def normalise_level(value: Any) -> str | None:
    """`WARN`, `Warning`, `30` (Python's scale; 60 and above critical) → `warning`; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return next((name for floor, name in _NUMBER_LEVELS if value >= floor), "debug")
    if isinstance(value, str):
        return _LEVELS.get(value.strip().lower())
    return None


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 text or epoch seconds (or milliseconds) as an aware datetime; else None."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().strip("[]").replace(",", "."))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def exception_type(text: str | None) -> str | None:
    """The exception type named in `text`: a traceback's last line, `X: reason`, or `X` alone."""
    if not text or not any(ending in text for ending in _EXCEPTION_ENDINGS):
        return None
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    for candidate in (lines[-1], text) if lines else ():
        head = candidate.split(":", 1)[0].strip()
        if head and _EXCEPTION_NAME.fullmatch(head):
            return head
    found = _EXCEPTION_NAME.search(text)
    return found.group(1) if found else None


def endpoint(method: str | None, path: str | None) -> str | None:
    """`GET /api/products/{id}` from a method and a path (query dropped); else None."""
    if not path or not isinstance(path, str):
        return None
    bare = path.split("?", 1)[0].split("#", 1)[0]
    if "://" in bare:
        bare = "/" + bare.split("://", 1)[1].partition("/")[2]
    if not bare.startswith("/"):
        return None
    template = normalise_path(bare).template
    return f"{method.upper()} {template}" if isinstance(method, str) and method else template


def _from_fields(fields: Mapping[str, Any], default_service: str | None) -> LogRecord:
    message = _first(fields, _MESSAGE_KEYS)
    error = _first(fields, _ERROR_KEYS)
    exc = next(
        (e for e in map(exception_type, (_first(fields, _EXCEPTION_KEYS), error, message)) if e),
        None,
    )
    path = _first(fields, _PATH_KEYS)
    found = endpoint(_first(fields, _METHOD_KEYS), path)
    return LogRecord(
        message=message or "",
        timestamp=parse_time(next((fields[k] for k in _TIME_KEYS if k in fields), None)),
        level=normalise_level(next((fields[k] for k in _LEVEL_KEYS if k in fields), None)),
        service=_first(fields, _SERVICE_KEYS) or default_service,
        exception=exc,
        endpoint=found or _endpoint_in(message),
        error=_one_line(error) if error and error != message else None,
    )


def _plain(text: str, default_service: str | None) -> LogRecord:
    syslog = _SYSLOG.match(text)
    if syslog is not None:  # the message may still start with a level (`error: …`)
        return _plain(syslog["msg"], syslog["service"])
    found = _PLAIN.match(text)
    if found is not None and found["level"] and not found["ts"]:
        # without a time first, `error reading x` is a message: a level is in capitals or marked
        end = found.end("level")
        marked = text[end : end + 1] in (":", "]", ")", ">")
        if not (found["level"].isupper() or marked):
            found = None
    if found is None or not (found["ts"] or found["level"]):
        return LogRecord(
            message=text,
            service=default_service,
            exception=exception_type(text),
            endpoint=_endpoint_in(text),
        )
    message = found["msg"]
    return LogRecord(
        message=message,
        timestamp=parse_time(found["ts"]),
        level=normalise_level(found["level"]),
        service=found["service"] or found["logger"] or found["tag"] or default_service,
        exception=exception_type(message),
        endpoint=_endpoint_in(message),
    )


def _logfmt(text: str) -> dict[str, str] | None:
    """The pairs of a logfmt line, or None when the line is not made of `key=value` pairs."""
    pairs = _LOGFMT.findall(text)
    if len(pairs) < 2 or not text.startswith(pairs[0][0] + "="):
        return None
    if sum(len(k) + len(v) + 1 for k, v in pairs) < 0.8 * len(text.replace(" ", "")):
        return None
    return {k: v[1:-1].replace('\\"', '"') if v.startswith('"') else v for k, v in pairs}


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"http": {"method": "GET"}}` → `{"http": {...}, "http.method": "GET"}`."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        out[name] = value
        if isinstance(value, dict) and not prefix:
            out.update(_flatten(value, name + "."))
    return out


def _first(fields: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = fields.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return "\n".join(value)  # exc_info as a list of traceback lines
    return None


def _endpoint_in(text: str | None) -> str | None:
    found = _ENDPOINT.search(text) if text and " /" in text else None
    return endpoint(found.group(1), found.group(2)) if found else None


def _one_line(text: str) -> str:
    """An error text on one line: a traceback is read as its last line."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else text
