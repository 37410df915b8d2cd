"""A fake Loki: its query API over real HTTP on 127.0.0.1, with real query semantics for a subset.

`FakeLoki` stores streams (labels and `(unix ns, line)` entries, per tenant) and answers
`GET /loki/api/v1/query_range` the way Loki does for a minimal LogQL: a stream selector with
`=`, `!=`, `=~`, `!~` matchers, line filters `|=`, `!=`, `|~`, `!~`, and the metric functions
`count_over_time` and `rate` (optionally inside `sum` / `sum by (...)`). It honours start/end
(ns, end exclusive), limit and direction, and answers a malformed query with HTTP 400 and Loki's
plain-text error. With `multi_tenant=True` it requires `X-Scope-OrgID` (401 "no org id"); with
`authorization=` it requires that exact `Authorization` header, as an auth gateway in front of Loki
does (401 "unauthorized" otherwise).

`FakeBackend` is the shared HTTP part (also used by the fake Tempo): every request is recorded,
and knobs make the server slow (`delay`), fail with a status (`fail`) or go down (`down`).
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import Any, Self

from tests.fakes.loopback import Loopback, Served

Answer = tuple[int, str | dict[str, Any]]


@dataclass(frozen=True)
class Recorded:
    """One request the fake received; header names are lower-case."""

    path: str
    params: dict[str, str]
    headers: dict[str, str]
    status: int
    at: float = field(default_factory=time.monotonic)


class FakeBackend(Served):
    """An HTTP server on 127.0.0.1 that records requests; subclasses `answer` them."""

    single_tenant = "fake"

    def __init__(self, *, multi_tenant: bool = False, authorization: str | None = None):
        self.multi_tenant = multi_tenant
        self.authorization = authorization
        self.requests: list[Recorded] = []
        self.delay = 0.0
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.http = Loopback(_handler(self))

    def answer(self, path: str, params: dict[str, str], tenant: str) -> Answer:
        raise NotImplementedError

    def start(self) -> Self:
        self._stopping.clear()
        return super().start()

    def close(self) -> None:
        self._stopping.set()
        super().close()

    stop = close

    def down(self) -> None:
        """Stop listening; the URL now refuses connections."""
        self.stop()

    def fail(self, status: int = 503, times: int = 1) -> None:
        """Answer the next `times` requests with `status`."""
        with self._lock:
            self._failures.extend([status] * times)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        url = urllib.parse.urlsplit(handler.path)
        params = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        headers = {key.lower(): value for key, value in handler.headers.items()}
        if self.delay:
            self._stopping.wait(self.delay)
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        tenant = headers.get("x-scope-orgid") if self.multi_tenant else self.single_tenant
        body: str | dict[str, Any]
        if failure:
            status, body = failure, f"fake failure {failure}\n"
        elif self.authorization and headers.get("authorization") != self.authorization:
            status, body = 401, "unauthorized\n"
        elif not tenant:
            status, body = 401, "no org id\n"
        else:
            try:
                status, body = self.answer(url.path, params, tenant)
            except BadRequest as exc:
                status, body = 400, f"{exc}\n"
        with self._lock:
            self.requests.append(Recorded(url.path, params, headers, status))
        data = (json.dumps(body) if isinstance(body, dict) else body).encode()
        kind = "application/json" if isinstance(body, dict) else "text/plain; charset=utf-8"
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


class BadRequest(Exception):
    """The request is malformed; answered with HTTP 400 and this text."""


# --- LogQL subset ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str
    value: str

    def matches(self, labels: dict[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op in ("=", "!="):
            return (actual == self.value) == (self.op == "=")
        return (re.fullmatch(self.value, actual) is not None) == (self.op == "=~")


@dataclass(frozen=True)
class LogQuery:
    matchers: tuple[Matcher, ...]
    filters: tuple[tuple[str, str], ...]

    def selects(self, labels: dict[str, str]) -> bool:
        return all(m.matches(labels) for m in self.matchers)

    def keeps(self, line: str) -> bool:
        for op, text in self.filters:
            found = text in line if op in ("|=", "!=") else re.search(text, line) is not None
            if found != (op in ("|=", "|~")):
                return False
        return True


@dataclass(frozen=True)
class MetricQuery:
    function: str  # count_over_time | rate
    inner: LogQuery
    range_s: float
    sum_by: tuple[str, ...] | None  # None: no sum


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def fail(self, what: str) -> BadRequest:
        found = self.text[self.pos : self.pos + 10] or "end of input"
        return BadRequest(
            f"parse error at line 1, col {self.pos + 1}: syntax error: unexpected {found!r}, "
            f"expecting {what}"
        )

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def take(self, token: str) -> bool:
        self.skip()
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def expect(self, token: str) -> None:
        if not self.take(token):
            raise self.fail(repr(token))

    def ident(self) -> str:
        self.skip()
        match = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(self.text, self.pos)
        if not match:
            raise self.fail("an identifier")
        self.pos = match.end()
        return match.group(0)

    def string(self) -> str:
        self.skip()
        if self.take("`"):
            end = self.text.find("`", self.pos)
            if end < 0:
                raise self.fail("a closing backtick")
            value, self.pos = self.text[self.pos : end], end + 1
            return value
        if not self.take('"'):
            raise self.fail("STRING")
        out: list[str] = []
        escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char == '"':
                return "".join(out)
            if char == "\\":
                code = self.text[self.pos : self.pos + 1]
                if code == "u":
                    out.append(chr(int(self.text[self.pos + 1 : self.pos + 5], 16)))
                    self.pos += 5
                    continue
                if code not in escapes:
                    raise self.fail("a valid escape")
                out.append(escapes[code])
                self.pos += 1
            else:
                out.append(char)
        raise self.fail("a closing quote")

    def query(self) -> LogQuery | MetricQuery:
        self.skip()
        if self.text.startswith("{", self.pos):
            result: LogQuery | MetricQuery = self.log_query()
        else:
            result = self.metric_query()
        self.skip()
        if self.pos != len(self.text):
            raise self.fail("end of query")
        return result

    def log_query(self) -> LogQuery:
        self.expect("{")
        matchers: list[Matcher] = []
        while not self.take("}"):
            if matchers:
                self.expect(",")
            name = self.ident()
            self.skip()
            op = next((o for o in ("=~", "!~", "!=", "=") if self.take(o)), None)
            if op is None:
                raise self.fail("a label matcher operator")
            value = self.string()
            if op in ("=~", "!~"):
                try:
                    re.compile(value)
                except re.error as exc:
                    raise BadRequest(f"parse error : invalid regexp {value!r}: {exc}") from None
            matchers.append(Matcher(name, op, value))
        if not any(m.op in ("=", "=~") and not m.matches({}) for m in matchers):
            raise BadRequest(
                "parse error : queries require at least one regexp or equality matcher that "
                'does not have an empty-compatible value. For instance, app=~".*" does not '
                'meet this requirement, but app=~".+" will'
            )
        filters: list[tuple[str, str]] = []
        while True:
            op = next((o for o in ("|=", "!=", "|~", "!~") if self.take(o)), None)
            if op is None:
                return LogQuery(tuple(matchers), tuple(filters))
            filters.append((op, self.string()))

    def metric_query(self) -> MetricQuery:
        name = self.ident()
        if name == "sum":
            by: tuple[str, ...] = ()
            if self.take("by"):
                self.expect("(")
                labels = [self.ident()]
                while self.take(","):
                    labels.append(self.ident())
                self.expect(")")
                by = tuple(labels)
            self.expect("(")
            nested = self.metric_query()
            self.expect(")")
            return MetricQuery(nested.function, nested.inner, nested.range_s, by)
        if name not in ("count_over_time", "rate"):
            raise BadRequest(f"parse error at line 1, col 1: syntax error: unexpected {name!r}")
        self.expect("(")
        inner = self.log_query()
        self.expect("[")
        self.skip()
        match = re.compile(r"(\d+)(ms|s|m|h)").match(self.text, self.pos)
        if not match:
            raise self.fail("a range duration")
        self.pos = match.end()
        self.expect("]")
        self.expect(")")
        seconds = int(match.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[match.group(2)]
        return MetricQuery(name, inner, seconds, None)


def parse_logql(text: str) -> LogQuery | MetricQuery:
    """The fake's reading of a LogQL query; `BadRequest` with Loki's wording if malformed."""
    return _Parser(text).query()


# --- the fake server ------------------------------------------------------------------------------


@dataclass
class Stream:
    labels: dict[str, str]
    entries: list[tuple[int, str]]


class FakeLoki(FakeBackend):
    """Push streams, then point a Loki client at `url`."""

    def __init__(
        self,
        *,
        multi_tenant: bool = False,
        max_entries: int = 5000,
        authorization: str | None = None,
    ):
        super().__init__(multi_tenant=multi_tenant, authorization=authorization)
        self.max_entries = max_entries
        self.streams: dict[str, list[Stream]] = {}

    def push(
        self, labels: dict[str, str], entries: list[tuple[int, str]], *, tenant: str = "fake"
    ) -> None:
        with self._lock:
            self.streams.setdefault(tenant, []).append(Stream(dict(labels), sorted(entries)))

    def queries(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/loki/api/v1/query_range"]

    def answer(self, path: str, params: dict[str, str], tenant: str) -> Answer:
        if path == "/ready":
            return 200, "ready\n"
        if path != "/loki/api/v1/query_range":
            return 404, "404 page not found\n"
        if "query" not in params:
            raise BadRequest("parse error : syntax error: unexpected $end")
        query = parse_logql(params["query"])
        end = _timestamp(params["end"]) if "end" in params else time.time_ns()
        start = _timestamp(params["start"]) if "start" in params else end - 3600 * 10**9
        if end < start:
            raise BadRequest("end timestamp must not be before or equal to start time")
        with self._lock:
            streams = list(self.streams.get(tenant, []))
        if isinstance(query, MetricQuery):
            default_step = max(float((end - start) // 10**9 // 250), 1.0)
            step = float(params.get("step", default_step))
            return 200, _success("matrix", _matrix(query, streams, start, end, step))
        limit = int(params.get("limit", 100))
        if limit > self.max_entries:
            raise BadRequest(
                "max entries limit per query exceeded, limit > max_entries_limit_per_query "
                f"({limit} > {self.max_entries})"
            )
        direction = params.get("direction", "backward")
        if direction not in ("forward", "backward"):
            raise BadRequest(f"invalid direction {direction!r}")
        return 200, _success("streams", _streams(query, streams, start, end, limit, direction))


def _success(kind: str, result: list[dict[str, Any]]) -> dict[str, Any]:
    return {"status": "success", "data": {"resultType": kind, "result": result, "stats": {}}}


def _timestamp(value: str) -> int:
    """Loki's reading of a time parameter: integer ns, float seconds, or RFC 3339."""
    if re.fullmatch(r"\d+", value):
        return int(value)
    if re.fullmatch(r"\d+\.\d*", value):
        return int(float(value) * 10**9)
    try:
        return int(datetime.fromisoformat(value).timestamp() * 10**9)
    except ValueError:
        raise BadRequest(f"cannot parse {value!r} to a valid timestamp") from None


def _streams(
    query: LogQuery, streams: list[Stream], start: int, end: int, limit: int, direction: str
) -> list[dict[str, Any]]:
    picked = [
        (ns, index, line)
        for index, stream in enumerate(streams)
        if query.selects(stream.labels)
        for ns, line in stream.entries
        if start <= ns < end and query.keeps(line)
    ]
    picked.sort(key=lambda item: item[0], reverse=direction == "backward")
    grouped: dict[int, list[list[str]]] = {}
    for ns, index, line in picked[:limit]:
        grouped.setdefault(index, []).append([str(ns), line])
    return [{"stream": streams[i].labels, "values": values} for i, values in grouped.items()]


def _matrix(
    query: MetricQuery, streams: list[Stream], start: int, end: int, step: float
) -> list[dict[str, Any]]:
    width = int(query.range_s * 10**9)
    series: dict[tuple[tuple[str, str], ...], dict[int, float]] = {}
    for stream in streams:
        if not query.inner.selects(stream.labels):
            continue
        labels = stream.labels
        if query.sum_by is not None:
            labels = {k: v for k, v in labels.items() if k in query.sum_by}
        points = series.setdefault(tuple(sorted(labels.items())), {})
        at = start
        while at <= end:
            count = sum(
                1
                for ns, line in stream.entries
                if at - width < ns <= at and query.inner.keeps(line)
            )
            if count:
                value = count / query.range_s if query.function == "rate" else float(count)
                points[at] = points.get(at, 0.0) + value
            at += int(step * 10**9)
    return [
        {"metric": dict(key), "values": [[at / 10**9, f"{v:g}"] for at, v in sorted(pts.items())]}
        for key, pts in series.items()
        if pts
    ]


def _handler(fake: FakeBackend) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            fake._handle(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
