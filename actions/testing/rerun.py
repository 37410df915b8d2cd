"""Failed e2e tests run once more: a test that passes then is flaky, not failed.

With pytest (preprod's plugin loaded), the suite's own command runs again with a plan naming
only the failed tests. Otherwise `rerun_command` runs with `{tests}` filled in; without one, the
failed tests stay failed and the step says why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from actions.result import Artifact, Result
from actions.testing.junit import JUnitReport, Outcome, TestCase
from actions.testing.suite import Attempt, Suite

NOT_PYTEST = (
    "failed tests were not re-run: the command is not pytest (set e2e.rerun_command, with "
    "{tests} for the failed tests)"
)


@dataclass
class Rerun:
    """The report with flaky tests marked, what the re-run did, and the files it left."""

    report: JUnitReport
    data: dict[str, Any]
    artifacts: list[Artifact] = field(default_factory=list)


def rerun_failed(
    suite: Suite, first: Attempt, command: Sequence[str], rerun_command: Sequence[str] | None
) -> Rerun:
    """Run the first attempt's failed tests once more and mark those that pass as flaky."""
    broken = first.report.broken
    ids = [case.test_id for case in broken]
    plan: dict[str, Any] | None = {"run": ids, "others": "skip"}
    if first.plugin is None:
        if not rerun_command:
            return Rerun(first.report, {"note": NOT_PYTEST})
        command, plan = fill_tests(rerun_command, broken), None
    suite.ctx.progress(f"{suite.step}: running {len(ids)} failed test(s) once more", tests=ids)
    second = suite.run(command, plan=plan, label="rerun")
    if isinstance(second, Result):
        return Rerun(first.report, {"tests": ids, "note": f"the re-run failed: {second.summary}"})
    again = {case.test_id: case for case in second.report.cases}
    passed = [i for i in ids if i in again and again[i].outcome is Outcome.PASSED]
    cases = [
        case.with_outcome(Outcome.FLAKY) if case.test_id in passed else case
        for case in first.report.cases
    ]
    report = JUnitReport(
        cases=cases, time_s=first.report.time_s, started_at=first.report.started_at
    )
    data = {
        "tests": ids,
        "flaky": passed,
        "failed_again": [i for i in ids if i not in passed],
        "exit_code": second.outcome.exit_code,
    }
    return Rerun(report, data, second.artifacts)


def fill_tests(template: Sequence[str], cases: Sequence[TestCase]) -> list[str]:
    """`{tests}` alone: one argument per test name; inside an argument: the names as `a|b`."""
    argv: list[str] = []
    for arg in template:
        if arg == "{tests}":
            argv += [case.name for case in cases]
        else:
            argv.append(arg.replace("{tests}", "|".join(re.escape(c.name) for c in cases)))
    return argv
