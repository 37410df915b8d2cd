"""The e2e step, running a real pytest suite (tests/fixtures/testing/e2e_suite) as a subprocess."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any, cast

import pytest

from actions.config import E2EConfig
from actions.context import Event, RunContext
from actions.errors import Cancelled
from actions.result import Result, Severity, Status, fingerprint
from actions.testing import e2e
from actions.testing.e2e import E2ERequest, url_variable

SUITE = Path(__file__).resolve().parents[1] / "fixtures" / "testing" / "e2e_suite"
PYTEST = ["{python}", "-m", "pytest", "-q", "--junitxml={junit}"]
URLS = {"shop": "http://127.0.0.1:8001", "cart-api": "http://127.0.0.1:8002/cart"}


@pytest.fixture
def events() -> list[Event]:
    return []


def make_ctx(workdir: Path, events: list[Event]) -> RunContext:
    """A run context for a step alone: no settings or store (the steps use neither)."""
    return RunContext(
        settings=cast(Any, None),
        store=cast(Any, None),
        run_id="run-e2e",
        workdir=workdir,
        handlers=[events.append],
    )


def copy_suite(folder: Path) -> Path:
    """An app folder holding a copy of the suite, so no run writes into the repository."""
    shutil.copytree(SUITE, folder / "app" / "e2e")
    return folder / "app"


@pytest.fixture
def ctx(tmp_path: Path, events: list[Event]) -> RunContext:
    return make_ctx(tmp_path / "work", events)


@pytest.fixture
def base_dir(tmp_path: Path) -> Path:
    return copy_suite(tmp_path)


def request(base_dir: Path, command: list[str], timeout: str = "2m") -> E2ERequest:
    config = E2EConfig(command=command, cwd="e2e", timeout=timeout)
    return E2ERequest(config=config, urls=URLS, version="1.4.0-rc1", base_dir=base_dir)


@pytest.fixture(scope="module")
def suite_result(tmp_path_factory: pytest.TempPathFactory) -> Result:
    """One run of the whole fixture suite, shared by the tests that read its result."""
    folder = tmp_path_factory.mktemp("suite")
    return e2e.run(request(copy_suite(folder), PYTEST), ctx=make_ctx(folder / "work", []))


def test_a_failing_test_fails_the_step(suite_result: Result) -> None:
    assert suite_result.status is Status.FAIL
    assert suite_result.summary.startswith("1 passed, 1 failed, 1 skipped in ")


def test_each_failed_test_becomes_a_high_finding(suite_result: Result) -> None:
    [finding] = suite_result.findings

    assert finding.severity is Severity.HIGH
    assert finding.title == "e2e test failed: test_cart_total_is_right"
    assert finding.fingerprint == fingerprint("e2e", "check_shop::test_cart_total_is_right")
    assert finding.evidence.startswith("AssertionError: cart at http://127.0.0.1:8002/cart")
    assert "def test_cart_total_is_right" in finding.evidence
    assert len(finding.evidence.splitlines()) <= 25


def test_service_urls_and_version_reach_the_suite(
    base_dir: Path, ctx: RunContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREPROD_URL_STALE", "http://old")  # from the bot's own environment

    result = e2e.run(request(base_dir, PYTEST), ctx=ctx)

    evidence = result.findings[0].evidence
    assert "(version 1.4.0-rc1)" in evidence
    assert "saw ['PREPROD_URL_CART_API', 'PREPROD_URL_SHOP', 'PREPROD_VERSION']" in evidence


def test_service_names_become_variable_names() -> None:
    assert url_variable("cart-api") == "PREPROD_URL_CART_API"
    assert url_variable("shop.v2") == "PREPROD_URL_SHOP_V2"


def test_measurements_count_the_tests(suite_result: Result) -> None:
    values = {m.name: m.value for m in suite_result.measurements}

    assert {k: v for k, v in values.items() if k != "duration_s"} == {
        "tests_total": 3,
        "tests_passed": 1,
        "tests_failed": 1,
        "tests_skipped": 1,
        "pass_rate_pct": 50.0,
    }
    assert {m.name: m.unit for m in suite_result.measurements}["pass_rate_pct"] == "%"
    assert 0 < values["duration_s"] < 30


def test_each_test_is_kept_in_the_data(suite_result: Result) -> None:
    tests = {t["name"]: t for t in suite_result.data["tests"]}

    assert {name: t["outcome"] for name, t in tests.items()} == {
        "test_shop_url_is_injected": "passed",
        "test_cart_total_is_right": "failed",
        "test_refunds": "skipped",
    }
    assert tests["test_refunds"]["message"] == "refunds are not in this release"


def test_junit_report_is_kept_as_an_artifact(suite_result: Result) -> None:
    junit = next(a for a in suite_result.artifacts if a.kind == "junit")

    assert Path(junit.path).parts[-3:] == ("work", "e2e", "junit.xml")
    assert Path(junit.path).read_text().startswith("<?xml")


def test_a_passing_suite_passes(base_dir: Path, ctx: RunContext) -> None:
    result = e2e.run(request(base_dir, [*PYTEST, "-k", "injected"]), ctx=ctx)

    assert result.status is Status.PASS
    assert result.summary.startswith("1 passed in ")
    assert result.findings == []


def test_a_suite_where_every_test_is_skipped_is_skipped(base_dir: Path, ctx: RunContext) -> None:
    result = e2e.run(request(base_dir, [*PYTEST, "-k", "refunds"]), ctx=ctx)

    assert result.status is Status.SKIPPED
    assert result.summary == "no e2e test ran (1 skipped)"


def test_an_unexpected_exit_code_with_no_failed_test_is_a_warning(
    base_dir: Path, ctx: RunContext
) -> None:
    script = (
        "import sys; open(sys.argv[1], 'w').write('<testsuite><testcase name=\"a\"/></testsuite>');"
        " print('plugin crashed at exit'); sys.exit(3)"
    )

    result = e2e.run(request(base_dir, ["{python}", "-c", script, "{junit}"]), ctx=ctx)

    assert result.status is Status.WARN
    assert result.summary.endswith("but the command exited with code 3")
    assert result.findings[0].evidence == "plugin crashed at exit"


def test_an_unreadable_report_is_an_error(base_dir: Path, ctx: RunContext) -> None:
    script = "import sys; open(sys.argv[1], 'w').write('<testsuites><testsuite')"

    result = e2e.run(request(base_dir, ["{python}", "-c", script, "{junit}"]), ctx=ctx)

    assert result.status is Status.ERROR
    assert result.summary.startswith("e2e report could not be read: the JUnit report is not")


def test_progress_is_reported_while_the_suite_runs(
    base_dir: Path, ctx: RunContext, events: list[Event], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(e2e, "PROGRESS_EVERY_S", 0.2)

    e2e.run(request(base_dir, ["{python}", "-c", "import time; time.sleep(1)"]), ctx=ctx)

    messages = [e.message for e in events if e.kind == "progress"]
    assert messages[0].startswith("e2e: running python -c")
    assert any(m.startswith("e2e: running for ") for m in messages[1:])


def test_a_command_that_does_not_exist_is_an_error(base_dir: Path, ctx: RunContext) -> None:
    result = e2e.run(request(base_dir, ["no-such-e2e-runner", "--all"]), ctx=ctx)

    assert result.status is Status.ERROR
    assert result.summary == "e2e could not start: command not found: no-such-e2e-runner"


def test_a_command_that_writes_no_report_is_an_error_quoting_its_output(
    base_dir: Path, ctx: RunContext
) -> None:
    script = "import sys; print('collecting...'); print('no such fixture: db'); sys.exit(4)"

    result = e2e.run(request(base_dir, ["{python}", "-c", script]), ctx=ctx)

    assert result.status is Status.ERROR
    assert "exited with code 4 and wrote no JUnit report" in result.summary
    assert result.summary.endswith(": no such fixture: db")
    assert result.findings[0].evidence == "collecting...\nno such fixture: db"


def test_a_suite_that_runs_too_long_is_stopped_as_an_error(base_dir: Path, ctx: RunContext) -> None:
    started = time.monotonic()

    result = e2e.run(
        request(base_dir, ["{python}", "-c", "import time; time.sleep(60)"], timeout="500ms"),
        ctx=ctx,
    )

    assert result.status is Status.ERROR
    assert result.summary == "e2e timed out after 0.5s"
    assert time.monotonic() - started < 10


def test_a_missing_working_directory_is_an_error(tmp_path: Path, ctx: RunContext) -> None:
    result = e2e.run(request(tmp_path / "nowhere", PYTEST), ctx=ctx)

    assert result.status is Status.ERROR
    assert result.summary.startswith("e2e working directory does not exist: ")


def test_cancelling_stops_the_suite_and_what_it_started(base_dir: Path, ctx: RunContext) -> None:
    pid_file = base_dir / "e2e" / "grandchild.pid"
    script = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    threading.Thread(target=_cancel_when_present, args=(pid_file, ctx), daemon=True).start()
    started = time.monotonic()

    with pytest.raises(Cancelled):
        e2e.run(request(base_dir, ["{python}", "-c", script]), ctx=ctx)

    assert time.monotonic() - started < 10
    assert _gone(int(pid_file.read_text()), within_s=3)


def _cancel_when_present(path: Path, ctx: RunContext) -> None:
    deadline = time.monotonic() + 20
    while not path.exists() or not path.read_text():
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    ctx.cancel_event.set()


def _gone(pid: int, within_s: float) -> bool:
    """Whether the process ended (a zombie waiting for its new parent to reap it counts)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False
