"""A failure's evidence: the services' log lines of the test's time window (pure functions)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from actions.testing.evidence import Window, evidence, line_time, lines_for, windows
from actions.testing.junit import JUnitReport, Outcome, TestCase

T0 = datetime(2026, 1, 5, 10, 0, 0, tzinfo=UTC).timestamp()


def log(at: float, msg: str, level: str = "INFO") -> str:
    stamp = datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")
    return json.dumps({"ts": stamp.replace("+00:00", "Z"), "level": level, "msg": msg})


def case(
    name: str, start: float | None = None, stop: float | None = None, **kw: object
) -> TestCase:
    props = []
    if start is not None and stop is not None:
        props = [("preprod_start", f"{start:.3f}"), ("preprod_stop", f"{stop:.3f}")]
    fields: dict[str, object] = {"time_s": 0.1, "outcome": Outcome.PASSED, **kw}
    return TestCase(classname="e2e.t", name=name, file="", properties=tuple(props), **fields)  # type: ignore[arg-type]


# (a log line, the Unix time it carries)
TIMES = [
    (log(T0 + 1.25, "x"), T0 + 1.25),
    ('{"timestamp": "2026-01-05T10:00:02+00:00", "msg": "x"}', T0 + 2),
    ('{"time": 1767607203000, "msg": "epoch milliseconds"}', 1767607203.0),
    ("2026-01-05 10:00:04,500 ERROR orders: boom", T0 + 4.5),
    ("[2026-01-05T10:00:05Z] GET /healthz", T0 + 5),
    ("no time here", None),
    ('{"msg": "a JSON line without a time"}', None),
    ('{"ts": "yesterday"}', None),
]


@pytest.mark.parametrize(("line", "expected"), TIMES)
def test_a_log_line_s_time_is_read_from_json_or_a_leading_timestamp(
    line: str, expected: float | None
) -> None:
    assert line_time(line) == (pytest.approx(expected) if expected is not None else None)


def test_the_lines_of_the_window_are_chosen() -> None:
    lines = [log(T0 + s, f"at {s}") for s in (0.5, 1.0, 1.5, 2.0, 2.5)]

    chosen, how = lines_for(lines, Window(T0 + 0.9, T0 + 2.1))

    assert [json.loads(line)["msg"] for line in chosen] == ["at 1.0", "at 1.5", "at 2.0"]
    assert how == "3 line(s) in the test's window 10:00:00.900–10:00:02.100"


def test_lines_without_times_give_the_last_lines() -> None:
    lines = [f"plain line {i}" for i in range(30)]

    chosen, how = lines_for(lines, Window(T0, T0 + 1), limit=3)

    assert chosen == ["plain line 27", "plain line 28", "plain line 29"]
    assert how == "last 3 lines (its lines carry no time)"


def test_a_test_without_a_window_gives_the_last_lines() -> None:
    chosen, how = lines_for([log(T0, "a"), log(T0 + 1, "b")], None, limit=1)

    assert len(chosen) == 1 and "b" in chosen[0]
    assert how == "last 1 lines (no time window for the test)"


def test_severe_lines_are_kept_first_when_the_window_holds_too_many() -> None:
    lines = [log(T0 + i / 100, f"request {i}") for i in range(20)]
    lines[3] = log(T0 + 0.03, "request failed", level="ERROR")

    chosen, _ = lines_for(lines, Window(T0, T0 + 1), limit=4)

    assert [json.loads(line)["msg"] for line in chosen] == [
        "request failed",
        "request 17",
        "request 18",
        "request 19",
    ]


def test_measured_windows_widen_by_the_margin_but_not_into_the_neighbours() -> None:
    report = JUnitReport(
        cases=[case("a", T0, T0 + 1), case("b", T0 + 1.02, T0 + 2), case("c", T0 + 5, T0 + 6)]
    )

    found = windows(report, margin_s=0.1)

    assert (found["e2e.t::a"].start, found["e2e.t::a"].stop) == (T0 - 0.1, T0 + 1.02)
    assert (found["e2e.t::b"].start, found["e2e.t::b"].stop) == (T0 + 1.0, T0 + 2.1)
    assert found["e2e.t::c"].estimated is False


def test_without_plugin_times_windows_are_estimated_from_the_suite_start() -> None:
    report = JUnitReport(
        cases=[case("a", time_s=1.0), case("b", time_s=2.0)],
        time_s=4.0,  # one second of it was collection and set-up nobody timed
        started_at=datetime.fromtimestamp(T0, UTC),
    )

    found = windows(report, margin_s=0.0)

    assert (found["e2e.t::b"].start, found["e2e.t::b"].stop) == (T0 + 1.0, T0 + 4.0)
    assert found["e2e.t::b"].estimated


def test_evidence_has_the_assertion_then_each_service_s_lines_errors_first() -> None:
    failed = case(
        "test_order",
        T0 + 1,
        T0 + 2,
        outcome=Outcome.FAILED,
        message="AssertionError: assert 500 == 201",
        detail="def test_order():\n>   assert status == 201\nE   assert 500 == 201",
    )
    logs = {
        "storefront": [log(T0 + 0.5, "before"), log(T0 + 1.5, "request failed", "ERROR")],
        "catalog": [log(T0 + 3, "after")],
    }

    text = evidence(failed, Window(T0 + 1, T0 + 2), logs, {"search": "not deployed"})

    assert text.startswith("AssertionError: assert 500 == 201\ndef test_order():")
    storefront = text.index("storefront log, 1 line(s) in the test's window")
    assert storefront < text.index("catalog log: nothing logged in the test's window")
    assert '"msg": "request failed"' in text and "before" not in text
    assert text.endswith("search log: unavailable (not deployed)")
