"""Failed e2e tests are run once more: a pass then marks the test flaky, a warning, not a failure.

Runs the real fixture suite `tests/fixtures/e2e_flaky` (its checkout test fails the first time
it runs and passes after, by a marker file in a folder named by `E2E_FLAKY_MARKER_DIR`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, cast

import pytest

from actions.config import SLO, E2EConfig, GateConfig
from actions.context import RunContext
from actions.report.gate import GO_WITH_RISK, evaluate
from actions.result import Result, Severity, Status
from actions.testing import e2e
from actions.testing.e2e import E2ERequest
from actions.testing.junit import parse_junit
from storage import runs
from storage.store import Store

SUITE = Path(__file__).resolve().parents[1] / "fixtures" / "e2e_flaky"
PYTEST = ["{python}", "-m", "pytest", "-q", "--junitxml={junit}"]
FLAKY = "check_flaky::test_checkout_is_eventually_consistent"


def make_ctx(workdir: Path, store: Store | None = None) -> RunContext:
    return RunContext(settings=cast(Any, None), store=cast(Any, store), run_id="7", workdir=workdir)


def request(base_dir: Path, command: list[str], **config: Any) -> E2ERequest:
    e2e_config = E2EConfig(command=command, cwd="e2e", timeout="1m", **config)
    return E2ERequest(config=e2e_config, urls={}, version="2.0", base_dir=base_dir)


@pytest.fixture
def base_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(SUITE, tmp_path / "app" / "e2e")
    (tmp_path / "markers").mkdir()
    monkeypatch.setenv("E2E_FLAKY_MARKER_DIR", str(tmp_path / "markers"))
    return tmp_path / "app"


@pytest.fixture(scope="module")
def flaky_run(tmp_path_factory: pytest.TempPathFactory) -> Result:
    """One run of the flaky suite, shared by the tests that read its result."""
    folder = tmp_path_factory.mktemp("flaky")
    shutil.copytree(SUITE, folder / "app" / "e2e")
    (folder / "markers").mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("E2E_FLAKY_MARKER_DIR", str(folder / "markers"))
        return e2e.run(request(folder / "app", PYTEST), ctx=make_ctx(folder / "work"))


def test_a_test_that_passes_when_run_again_is_flaky_and_the_step_warns(flaky_run: Result) -> None:
    assert flaky_run.status is Status.WARN
    assert flaky_run.summary.startswith("2 passed, 1 flaky in ")
    outcomes = {t["id"]: t["outcome"] for t in flaky_run.data["tests"]}
    assert outcomes[FLAKY] == "flaky"
    assert flaky_run.data["rerun"]["flaky"] == [FLAKY]


def test_a_flaky_test_is_a_medium_finding_with_its_first_failure(flaky_run: Result) -> None:
    [finding] = flaky_run.findings

    assert finding.severity is Severity.MEDIUM
    assert finding.title == (
        "e2e test is flaky: test_checkout_is_eventually_consistent failed, then passed when run "
        "again"
    )
    assert "the order was not visible yet (first attempt)" in finding.evidence


def test_only_the_failed_tests_are_run_again(flaky_run: Result) -> None:
    rerun = next(a for a in flaky_run.artifacts if a.name == "e2e JUnit report-rerun")

    assert [c.test_id for c in parse_junit(Path(rerun.path).read_bytes()).cases] == [FLAKY]


def test_a_flaky_test_counts_as_passed_in_the_pass_rate(flaky_run: Result) -> None:
    values = {m.name: m.value for m in flaky_run.measurements}

    assert (values["tests_passed"], values["tests_flaky"], values["tests_failed"]) == (2, 1, 0)
    assert values["pass_rate_pct"] == 100.0


def test_the_gate_takes_a_flaky_step_as_go_with_risk(flaky_run: Result) -> None:
    slo = SLO(name="e2e pass rate", metric="e2e.pass_rate_pct", objective=">= 100%")

    outcome = evaluate([flaky_run], [slo], GateConfig())

    assert outcome.verdict == GO_WITH_RISK
    assert outcome.objectives[0].status == "pass"


def test_the_flaky_outcome_is_stored_per_test(flaky_run: Result, store: Store) -> None:
    run_id = runs.create_run(store, verb="test", command="test e2e", app="shop")
    runs.save_result(store, run_id, 0, flaky_run)

    stored = store.db.query("SELECT outcome FROM test_results WHERE test_id = ?", [FLAKY])

    assert [row["outcome"] for row in stored] == ["flaky"]


def test_a_test_that_fails_again_stays_failed(base_dir: Path, tmp_path: Path) -> None:
    script = _junit_script(failed=["test_checkout"])
    command = ["{python}", "-c", script, "{junit}"]

    result = e2e.run(request(base_dir, command, rerun_command=command), ctx=make_ctx(tmp_path))

    assert result.status is Status.FAIL
    assert result.summary.startswith("0 passed, 1 failed in ")
    assert result.data["rerun"]["failed_again"] == ["suite::test_checkout"]


def test_a_command_that_is_not_pytest_is_not_run_again_and_says_so(
    base_dir: Path, tmp_path: Path
) -> None:
    script = _junit_script(failed=["test_checkout"])

    result = e2e.run(
        request(base_dir, ["{python}", "-c", script, "{junit}"]), ctx=make_ctx(tmp_path)
    )

    assert result.status is Status.FAIL
    assert result.data["rerun"]["note"].startswith("failed tests were not re-run: the command is")


def test_rerun_command_gets_the_failed_tests_names(base_dir: Path, tmp_path: Path) -> None:
    first = _junit_script(failed=["test_checkout", "test_cart"], passed=["test_home"])
    # the re-run passes every test it is given: its arguments after the report path
    again = (
        "import sys; names = sys.argv[2:]; open(sys.argv[1], 'w').write('<testsuite>' + ''.join("
        "f'<testcase classname=\"suite\" name=\"{n}\"/>' for n in names) + '</testsuite>')"
    )
    config = {"rerun_command": ["{python}", "-c", again, "{junit}", "{tests}"]}

    result = e2e.run(
        request(base_dir, ["{python}", "-c", first, "{junit}"], **config), ctx=make_ctx(tmp_path)
    )

    assert result.status is Status.WARN
    assert result.summary.startswith("1 passed, 2 flaky in ")
    assert result.data["rerun"]["flaky"] == ["suite::test_checkout", "suite::test_cart"]


def _junit_script(failed: list[str], passed: tuple[str, ...] | list[str] = ()) -> str:
    """A command writing a JUnit report with these failed and passed tests (not pytest)."""
    cases = "".join(
        f'<testcase classname="suite" name="{n}"><failure message="boom"/></testcase>'
        for n in failed
    ) + "".join(f'<testcase classname="suite" name="{n}"/>' for n in passed)
    return (
        f"import sys; open(sys.argv[1], 'w').write('<testsuite>{cases}</testsuite>'); sys.exit(1)"
    )
