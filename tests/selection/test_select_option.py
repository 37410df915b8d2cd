"""`select` as a pattern: a pytest `-k` expression, added to the suite's pytest by our plugin."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, cast

import pytest

from actions.config import E2EConfig
from actions.context import RunContext
from actions.result import Status
from actions.testing import e2e
from actions.testing.e2e import E2ERequest

SUITE = Path(__file__).resolve().parents[1] / "fixtures" / "e2e_flaky"
PYTEST = ["{python}", "-m", "pytest", "-q", "--junitxml={junit}"]


@pytest.fixture
def base_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(SUITE, tmp_path / "app" / "e2e")
    monkeypatch.setenv("E2E_FLAKY_MARKER_DIR", str(tmp_path))
    return tmp_path / "app"


def run(base_dir: Path, command: list[str], select: str) -> Any:
    config = E2EConfig(command=command, cwd="e2e", timeout="1m")
    ctx = RunContext(
        settings=cast(Any, None), store=cast(Any, None), run_id="1", workdir=base_dir / "work"
    )
    request = E2ERequest(config=config, urls={}, version="1", base_dir=base_dir, select=select)
    return e2e.run(request, ctx=ctx)


def test_a_pattern_keeps_the_suite_s_own_k_and_narrows_it(base_dir: Path) -> None:
    result = run(base_dir, [*PYTEST, "-k", "not checkout"], select="cart or checkout")

    assert [t["name"] for t in result.data["tests"]] == ["test_cart_keeps_items"]
    assert result.data["selection"] == {"mode": "pattern", "pattern": "cart or checkout"}


def test_a_pattern_pytest_cannot_read_is_an_error_saying_why(base_dir: Path) -> None:
    result = run(base_dir, PYTEST, select="cart and (")

    assert result.status is Status.ERROR
    assert result.summary.startswith(
        "e2e --select 'cart and (' was refused: ERROR: Wrong expression passed to '-k'"
    )


def test_a_pattern_for_a_command_that_is_not_pytest_runs_everything_and_says_so(
    base_dir: Path,
) -> None:
    script = (
        "import sys; open(sys.argv[1], 'w').write('<testsuite><testcase name=\"a\"/></testsuite>')"
    )

    result = run(base_dir, ["{python}", "-c", script, "{junit}"], select="cart")

    assert result.status is Status.PASS
    assert result.summary.endswith("; -k 'cart' needs a pytest command: every test ran")
