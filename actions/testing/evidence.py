"""The evidence of a failed e2e test: its assertion and the services' log lines of its time window.

Pure: the report, the test and the log lines come in, text comes out. A test's window comes from
preprod's pytest plugin (`preprod_start`/`preprod_stop` properties), else it is estimated from
the suite's start and the durations of the tests before it. A log line's time is read from a
JSON field (`ts`, `timestamp`, `time`, `@timestamp`) or a leading ISO 8601 timestamp; when no
line has one, or the test has no window, the last lines stand in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from actions.testing.junit import JUnitReport, TestCase

START, STOP = "preprod_start", "preprod_stop"
MARGIN_S = 0.1
"""Slack around a window: log timestamps are often truncated to the millisecond."""
LINES_PER_SERVICE = 12
LINE_CHARS = 600
DETAIL_LINES = 15
"""Lines of a failure's detail quoted in its evidence."""
EVIDENCE_CHARS = 4000
"""Of the assertion and its detail; the log lines come on top of it."""
LOGS_CHARS = 6000
_TIME_FIELDS = ("ts", "timestamp", "time", "@timestamp")
_LEADING_STAMP = re.compile(
    r"^\[?(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)"
)
_SEVERE = re.compile(r"\b(ERROR|CRITICAL|FATAL|Traceback|Exception)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Window:
    """When a test ran, in Unix seconds; `estimated` when not measured by the plugin."""

    start: float
    stop: float
    estimated: bool = False


def windows(report: JUnitReport, margin_s: float = MARGIN_S) -> dict[str, Window]:
    """The time window of each test case of a report, by test id (none when nothing tells).

    Widened by `margin_s` either side, but never into the neighbouring tests' windows.
    """
    raw = _raw_windows(report)
    ordered = [(case.test_id, raw[case.test_id]) for case in report.cases if case.test_id in raw]
    found: dict[str, Window] = {}
    for i, (test_id, window) in enumerate(ordered):
        low, high = window.start - margin_s, window.stop + margin_s
        if i > 0:
            low = max(low, min(window.start, ordered[i - 1][1].stop))
        if i + 1 < len(ordered):
            high = min(high, max(window.stop, ordered[i + 1][1].start))
        found[test_id] = Window(low, high, window.estimated)
    return found


def _raw_windows(report: JUnitReport) -> dict[str, Window]:
    found: dict[str, Window] = {}
    measured = {case.test_id: _measured(case) for case in report.cases}
    elapsed = 0.0
    total_case_time = sum(case.time_s for case in report.cases)
    # The suite's time also holds collection and set-up nobody timed: widen each estimate by it.
    slack = max(0.0, report.time_s - total_case_time)
    origin = report.started_at.timestamp() if report.started_at else None
    for case in report.cases:
        window = measured[case.test_id]
        if window is None and origin is not None:
            window = Window(
                origin + elapsed, origin + slack + elapsed + case.time_s, estimated=True
            )
        if window is not None:
            found[case.test_id] = window
        elapsed += case.time_s
    return found


def _measured(case: TestCase) -> Window | None:
    starts = [float(v) for k, v in case.properties if k == START and _is_number(v)]
    stops = [float(v) for k, v in case.properties if k == STOP and _is_number(v)]
    if not starts or not stops or stops[-1] < starts[0]:
        return None
    return Window(starts[0], stops[-1])


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def line_time(line: str) -> float | None:
    """The Unix time a log line carries, if it carries one with a zone (UTC assumed without)."""
    text = line.strip()
    stamp: object = None
    if text.startswith("{"):
        try:
            record = json.loads(text)
        except ValueError:
            record = None
        if isinstance(record, dict):
            stamp = next((record[k] for k in _TIME_FIELDS if k in record), None)
    else:
        match = _LEADING_STAMP.match(text)
        stamp = match.group(1) if match else None
    if isinstance(stamp, int | float) and not isinstance(stamp, bool):
        return float(stamp) / (1000.0 if stamp > 1e11 else 1.0)  # seconds or milliseconds
    if isinstance(stamp, str):
        try:
            parsed = datetime.fromisoformat(stamp.replace(",", ".").replace("Z", "+00:00"))
        except ValueError:
            return None
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
    return None


def lines_for(
    lines: Sequence[str], window: Window | None, limit: int = LINES_PER_SERVICE
) -> tuple[list[str], str]:
    """The lines of a service's log that belong to a test, and how they were chosen.

    In the window (with `MARGIN_S` either side) when the lines carry times; severe lines are
    kept first when there are more than `limit`. Otherwise the last `limit` lines.
    """
    times = [line_time(line) for line in lines]
    if window is None or all(t is None for t in times):
        why = "no time window for the test" if window is None else "its lines carry no time"
        return list(lines[-limit:]), f"last {min(limit, len(lines))} lines ({why})"
    low, high = window.start, window.stop
    inside = [
        line for line, t in zip(lines, times, strict=True) if t is not None and low <= t <= high
    ]
    if len(inside) > limit:
        inside = _keep_severe(inside, limit)
    span = f"{_clock(window.start)}–{_clock(window.stop)}"
    how = "estimated " if window.estimated else ""
    return inside, f"{len(inside)} line(s) in the test's {how}window {span}"


def _keep_severe(lines: list[str], limit: int) -> list[str]:
    """`limit` of the lines, in order: the last severe ones, then the last of the others."""
    severe = [i for i, line in enumerate(lines) if _SEVERE.search(line)][-limit:]
    others = [i for i in range(len(lines)) if i not in set(severe)]
    room = limit - len(severe)
    keep = set(severe) | set(others[len(others) - room :] if room > 0 else [])
    return [line for i, line in enumerate(lines) if i in keep]


def _clock(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%H:%M:%S.%f")[:-3]


def failure_text(case: TestCase) -> str:
    """The assertion message and the first lines of its detail, said once."""
    detail = "\n".join(case.detail.splitlines()[:DETAIL_LINES])
    # Without a message attribute, the message is the detail's first line: don't say it twice.
    text = detail if detail.startswith(case.message) else f"{case.message}\n{detail}"
    return text.strip()[:EVIDENCE_CHARS]


def evidence(
    case: TestCase,
    window: Window | None,
    logs: Mapping[str, Sequence[str]],
    unavailable: Mapping[str, str] | None = None,
) -> str:
    """A failed test's evidence: its assertion, then each service's log lines of its window.

    Services that logged a severe line (an error, a traceback) come first.
    """
    parts = [failure_text(case)]
    found = [(service, *lines_for(lines, window)) for service, lines in logs.items()]
    found.sort(key=lambda item: (not any(_SEVERE.search(line) for line in item[1]), item[0]))
    sections: list[str] = []
    for service, chosen, how in found:
        if chosen:
            body = "\n".join(_short(line) for line in chosen)
            sections.append(f"{service} log, {how}:\n{body}")
        else:
            sections.append(f"{service} log: nothing logged in the test's window")
    for service, reason in sorted((unavailable or {}).items()):
        sections.append(f"{service} log: unavailable ({reason})")
    text = "\n\n".join(sections)
    if len(text) > LOGS_CHARS:
        text = text[: LOGS_CHARS - 1] + "…"
    if text:
        parts.append(text)
    return "\n\n".join(parts)


def _short(line: str) -> str:
    line = line.rstrip()
    return line if len(line) <= LINE_CHARS else line[: LINE_CHARS - 1] + "…"
