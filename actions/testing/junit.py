"""Read JUnit XML reports (pytest's and the common `<testsuites>`/`<testsuite>` shapes).

Pure: takes the report's text or bytes, returns typed records. The report comes from a
subprocess we started ourselves; XML from an untrusted source would want `defusedxml`,
since `xml.etree` expands internal entities.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Collection
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any


class JUnitError(ValueError):
    """The text is not a JUnit report we can read."""


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    FLAKY = "flaky"
    """Never read from a report: a failed test that passed when it was run again."""


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
    properties: tuple[tuple[str, str], ...] = ()
    """The case's `<property name= value=>` pairs, in order."""

    @property
    def test_id(self) -> str:
        """A stable id for the test, e.g. `tests.test_cart::test_total`."""
        prefix = self.classname or self.file
        return f"{prefix}::{self.name}" if prefix else self.name

    @property
    def broken(self) -> bool:
        """Failed or errored."""
        return self.outcome in (Outcome.FAILED, Outcome.ERROR)

    def property_value(self, name: str) -> str | None:
        """The value of the first property called `name`, if any."""
        return next((value for key, value in self.properties if key == name), None)

    def with_outcome(self, outcome: Outcome) -> TestCase:
        return replace(self, outcome=outcome)

    def to_dict(self) -> dict[str, Any]:
        data = {**asdict(self), "outcome": self.outcome.value, "id": self.test_id}
        data["properties"] = dict(self.properties)
        return data


@dataclass(frozen=True)
class JUnitReport:
    """Every test case of a report and the time the suite took."""

    cases: list[TestCase] = field(default_factory=list)
    time_s: float = 0.0
    started_at: datetime | None = None
    """When the suite started (the `timestamp` attribute), if the report says so with a zone."""

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
    def flaky(self) -> int:
        return self.count(Outcome.FLAKY)

    @property
    def broken(self) -> list[TestCase]:
        """The failed and errored test cases, in report order."""
        return [case for case in self.cases if case.broken]

    @property
    def executed(self) -> int:
        """Tests that ran, i.e. were not skipped."""
        return self.total - self.skipped

    def summary(self) -> str:
        """E.g. `9 passed, 1 flaky, 1 failed, 2 skipped in 12.3s`."""
        parts = [f"{self.passed} passed"]
        for count, label in (
            (self.flaky, "flaky"),
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
    return JUnitReport(
        cases=cases, time_s=_report_time(root, cases), started_at=_report_start(root)
    )


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
    properties = tuple(
        (prop.get("name", ""), prop.get("value", ""))
        for prop in element.findall("properties/property")
    )
    return TestCase(
        classname=element.get("classname", ""),
        name=element.get("name", ""),
        file=element.get("file", ""),
        time_s=_seconds(element.get("time")),
        outcome=outcome,
        message=message,
        detail=detail,
        system_out="\n".join(text for text in outputs if text),
        properties=properties,
    )


def _report_time(root: ET.Element, cases: list[TestCase]) -> float:
    """The root's time, else its suites' times, else the sum of the test cases' times."""
    if root.get("time") is not None:
        return _seconds(root.get("time"))
    suites = root.findall("testsuite")
    if suites and all(suite.get("time") is not None for suite in suites):
        return sum(_seconds(suite.get("time")) for suite in suites)
    return sum(case.time_s for case in cases)


def _report_start(root: ET.Element) -> datetime | None:
    """The root's or first suite's `timestamp`, when it is ISO 8601 with a time zone."""
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    text = (suite.get("timestamp") if suite is not None else None) or root.get("timestamp")
    try:
        stamp = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return stamp if stamp is not None and stamp.tzinfo is not None else None


def _seconds(text: str | None) -> float:
    """A duration attribute in seconds; absent or unreadable counts as zero."""
    try:
        value = float((text or "0").replace(",", ""))
    except ValueError:
        return 0.0
    return value if math.isfinite(value) and value >= 0 else 0.0


def node_id(test_id: str, files: Collection[str] = ()) -> str:
    """A pytest node id for a JUnit test id: `e2e.test_shop::test_x` -> `e2e/test_shop.py::test_x`.

    The module is the longest prefix of the class name that is one of `files` (paths relative
    to where pytest runs); without a match, the names up to the first capitalised one.
    """
    head, bracket, params = test_id.partition("[")
    classname, sep, name = head.rpartition("::")
    if not sep:
        return test_id
    parts = classname.split(".")
    cut = next(
        (i for i in range(len(parts), 0, -1) if "/".join(parts[:i]) + ".py" in files),
        next((i for i, part in enumerate(parts) if part[:1].isupper()), len(parts)),
    )
    cut = max(cut, 1)
    module = "/".join(parts[:cut]) + ".py"
    return "::".join([module, *parts[cut:], name]) + bracket + params
