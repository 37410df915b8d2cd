"""Reading JUnit XML: pytest's reports and the common `<testsuites>`/`<testsuite>` shapes."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.testing.junit import JUnitError, Outcome, parse_junit

PYTEST_REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests">
  <testsuite name="pytest" errors="1" failures="1" skipped="1" tests="4" time="2.345"
             timestamp="2026-01-01T00:00:00+00:00" hostname="ci">
    <testcase classname="tests.test_cart" name="test_add_item" time="0.010" />
    <testcase classname="tests.test_cart" name="test_total" time="0.020">
      <failure message="assert 41 == 42">def test_total():
&gt;       assert total() == 42
E       assert 41 == 42

tests/test_cart.py:9: AssertionError</failure>
      <system-out>GET /cart 200</system-out>
    </testcase>
    <testcase classname="tests.test_cart" name="test_checkout" time="0.001">
      <error message="failed on setup with &quot;ConnectionRefusedError&quot;">fixture 'db' failed
ConnectionRefusedError: [Errno 111]</error>
    </testcase>
    <testcase classname="tests.test_cart" name="test_refund" time="0.000">
      <skipped type="pytest.skip" message="not in this release">tests/test_cart.py:20: skip
      </skipped>
    </testcase>
  </testsuite>
</testsuites>
"""


def test_pytest_report_gives_one_record_per_test_with_its_outcome() -> None:
    report = parse_junit(PYTEST_REPORT)

    outcomes = {case.name: case.outcome for case in report.cases}
    assert outcomes == {
        "test_add_item": Outcome.PASSED,
        "test_total": Outcome.FAILED,
        "test_checkout": Outcome.ERROR,
        "test_refund": Outcome.SKIPPED,
    }


@pytest.mark.parametrize(
    ("name", "message", "detail_start"),
    [
        ("test_total", "assert 41 == 42", "def test_total():"),
        ("test_checkout", 'failed on setup with "ConnectionRefusedError"', "fixture 'db' failed"),
        ("test_refund", "not in this release", "tests/test_cart.py:20: skip"),
        ("test_add_item", "", ""),
    ],
)
def test_each_record_keeps_its_message_and_detail(
    name: str, message: str, detail_start: str
) -> None:
    case = next(c for c in parse_junit(PYTEST_REPORT).cases if c.name == name)

    assert case.message == message
    assert case.detail.startswith(detail_start)


def test_record_keeps_the_test_output_and_timing() -> None:
    case = next(c for c in parse_junit(PYTEST_REPORT).cases if c.name == "test_total")

    assert case.system_out == "GET /cart 200"
    assert case.time_s == pytest.approx(0.02)
    assert case.test_id == "tests.test_cart::test_total"


def test_summary_counts_each_outcome_and_the_suite_time() -> None:
    report = parse_junit(PYTEST_REPORT.encode())

    assert (report.total, report.passed, report.failed, report.errors, report.skipped) == (
        4,
        1,
        1,
        1,
        1,
    )
    assert report.executed == 3
    assert report.time_s == pytest.approx(2.345)
    assert report.summary() == "1 passed, 1 failed, 1 error, 1 skipped in 2.35s"


def test_single_testsuite_root_is_read() -> None:
    report = parse_junit(
        '<testsuite name="unit" time="12.5">'
        '<testcase classname="Cart" name="adds" file="cart.py" time="1"/>'
        '<testcase classname="Cart" name="totals" time="2"><failure/></testcase>'
        "</testsuite>"
    )

    assert [c.outcome for c in report.cases] == [Outcome.PASSED, Outcome.FAILED]
    assert report.cases[0].file == "cart.py"
    assert report.summary() == "1 passed, 1 failed in 12.5s"


def test_nested_suites_are_flattened_and_their_times_added() -> None:
    report = parse_junit(
        "<testsuites>"
        '<testsuite name="a" time="1.5"><testsuite name="a.b">'
        '<testcase name="one"/></testsuite></testsuite>'
        '<testsuite name="c" time="2.5"><testcase name="two"/></testsuite>'
        "</testsuites>"
    )

    assert [c.name for c in report.cases] == ["one", "two"]
    assert report.time_s == pytest.approx(4.0)


def test_failure_without_message_takes_the_first_line_of_its_detail() -> None:
    report = parse_junit(
        '<testsuite><testcase name="t"><failure>Expected 2\nbut was 3</failure></testcase>'
        "</testsuite>"
    )

    assert report.cases[0].message == "Expected 2"


def test_time_falls_back_to_the_sum_of_the_test_cases() -> None:
    report = parse_junit(
        '<testsuite><testcase name="a" time="0.25"/><testcase name="b" time="1,000.5"/>'
        '<testcase name="c" time="soon"/></testsuite>'
    )

    assert [c.time_s for c in report.cases] == [0.25, 1000.5, 0.0]
    assert report.time_s == pytest.approx(1000.75)


def test_error_wins_over_failure_in_the_same_test_case() -> None:
    report = parse_junit(
        '<testsuite><testcase name="t"><failure message="f"/><error message="e"/></testcase>'
        "</testsuite>"
    )

    assert (report.cases[0].outcome, report.cases[0].message) == (Outcome.ERROR, "e")


def test_empty_suite_has_no_tests() -> None:
    report = parse_junit('<testsuites><testsuite name="pytest" tests="0"/></testsuites>')

    assert report.total == 0
    assert report.summary() == "0 passed in 0.00s"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "not well-formed"),
        ("<testsuite><testcase>", "not well-formed"),
        ("Traceback (most recent call last):", "not well-formed"),
        ("<html><body>502</body></html>", "root element is <html>"),
    ],
)
def test_malformed_input_raises_a_clear_junit_error(text: str, reason: str) -> None:
    with pytest.raises(JUnitError, match=reason):
        parse_junit(text)


def test_junit_error_is_a_value_error() -> None:
    assert issubclass(JUnitError, ValueError)


XML_PIECES = st.sampled_from(
    [
        "<",
        ">",
        "/>",
        "</",
        "testsuites",
        "testsuite",
        "testcase",
        "failure",
        "error",
        "skipped",
        "system-out",
        ' time="',
        ' name="',
        '"',
        "1e999",
        "nan",
        "-1",
        "&amp;",
        "&x;",
        "<!DOCTYPE a>",
        "<?xml version='1.0'?>",
        " ",
        "x",
    ]
)


@given(st.text() | st.lists(XML_PIECES, max_size=40).map("".join))
def test_arbitrary_text_never_raises_anything_but_junit_error(text: str) -> None:
    with contextlib.suppress(JUnitError):
        parse_junit(text)


@given(st.binary())
def test_arbitrary_bytes_never_raise_anything_but_junit_error(data: bytes) -> None:
    with contextlib.suppress(JUnitError):
        parse_junit(data)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["", "<failure/>", "<error/>", "<skipped/>"]),
            st.text(alphabet=st.characters(codec="ascii", categories=["L", "N"]), max_size=8),
        ),
        max_size=8,
    )
)
def test_counts_always_add_up_to_the_total(cases: list[tuple[str, str]]) -> None:
    xml = "".join(f'<testcase name="{name}">{body}</testcase>' for body, name in cases)

    report = parse_junit(f"<testsuite>{xml}</testsuite>")

    assert report.passed + report.failed + report.errors + report.skipped == len(cases)
