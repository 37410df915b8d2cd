"""Read JUnit XML reports (pytest's and the common `<testsuites>`/`<testsuite>` shapes).

Pure: takes the report's text or bytes, returns typed records. The report comes from a
subprocess we started ourselves; XML from an untrusted source would want `defusedxml`,
since `xml.etree` expands internal entities.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class JUnitError(ValueError):
    """The text is not a JUnit report we can read."""


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class TestCase:
    """One `<testcase>` of a report."""

    __test__ = False  # not a pytest test class, despite the name

    classname: str
    name: str
    file: str
    time_s: float
    outcome: Outcome
    message: str = ""
    detail: str = ""
    system_out: str = ""

    @property
    def test_id(self) -> str:
        """A stable id for the test, e.g. `tests.test_cart::test_total`."""
        prefix = self.classname or self.file
        return f"{prefix}::{self.name}" if prefix else self.name

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "outcome": self.outcome.value, "id": self.test_id}


@dataclass(frozen=True)
class JUnitReport:
    """Every test case of a report and the time the suite took."""

    cases: list[TestCase] = field(default_factory=list)
    time_s: float = 0.0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for case in self.cases if case.outcome is outcome)

    @property
    def total(self) -> int:
        return len(self.cases)

    @property
    def passed(self) -> int:
        return self.count(Outcome.PASSED)

    @property
    def failed(self) -> int:
        return self.count(Outcome.FAILED)

    @property
    def errors(self) -> int:
        return self.count(Outcome.ERROR)

    @property
    def skipped(self) -> int:
        return self.count(Outcome.SKIPPED)

    @property
    def executed(self) -> int:
        """Tests that ran, i.e. were not skipped."""
        return self.total - self.skipped

    def summary(self) -> str:
        """E.g. `9 passed, 1 failed, 2 skipped in 12.3s`."""
        parts = [f"{self.passed} passed"]
        for count, label in (
            (self.failed, "failed"),
            (self.errors, "error"),
            (self.skipped, "skipped"),
        ):
            if count:
                parts.append(f"{count} {label}{'s' if label == 'error' and count > 1 else ''}")
        seconds = f"{self.time_s:.2f}" if self.time_s < 10 else f"{self.time_s:.1f}"
        return f"{', '.join(parts)} in {seconds}s"


# The element that decides a test case's outcome, in order of precedence.
_OUTCOME_TAGS = (
    ("error", Outcome.ERROR),
    ("failure", Outcome.FAILED),
    ("skipped", Outcome.SKIPPED),
)


def parse_junit(source: str | bytes) -> JUnitReport:
    """Read a JUnit XML report; raise `JUnitError` if it is not one."""
    try:
        root = ET.fromstring(source)
    except (ET.ParseError, ValueError, TypeError) as exc:
        raise JUnitError(f"the JUnit report is not well-formed XML: {exc}") from exc
    except RecursionError as exc:
        raise JUnitError("the JUnit report is nested too deeply") from exc
    if root.tag not in ("testsuites", "testsuite"):
        raise JUnitError(f"not a JUnit report: the root element is <{root.tag}>")
    cases = [_case(element) for element in root.iter("testcase")]
    return JUnitReport(cases=cases, time_s=_report_time(root, cases))


def _case(element: ET.Element) -> TestCase:
    outcome, message, detail = Outcome.PASSED, "", ""
    for tag, candidate in _OUTCOME_TAGS:
        found = element.find(tag)
        if found is not None:
            outcome = candidate
            detail = (found.text or "").strip()
            message = found.get("message") or next(iter(detail.splitlines()), "")
            break
    outputs = [(child.text or "").strip() for child in element.findall("system-out")]
    return TestCase(
        classname=element.get("classname", ""),
        name=element.get("name", ""),
        file=element.get("file", ""),
        time_s=_seconds(element.get("time")),
        outcome=outcome,
        message=message,
        detail=detail,
        system_out="\n".join(text for text in outputs if text),
    )


def _report_time(root: ET.Element, cases: list[TestCase]) -> float:
    """The root's time, else its suites' times, else the sum of the test cases' times."""
    if root.get("time") is not None:
        return _seconds(root.get("time"))
    suites = root.findall("testsuite")
    if suites and all(suite.get("time") is not None for suite in suites):
        return sum(_seconds(suite.get("time")) for suite in suites)
    return sum(case.time_s for case in cases)


def _seconds(text: str | None) -> float:
    """A duration attribute in seconds; absent or unreadable counts as zero."""
    try:
        value = float((text or "0").replace(",", ""))
    except ValueError:
        return 0.0
    return value if math.isfinite(value) and value >= 0 else 0.0
