"""The terminal surface: the same grammar, live progress, exit codes and the report file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, write_config


def preprod(*args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_config_check_accepts_the_shipped_file() -> None:
    done = preprod("config", "check", "preprod.yaml", cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok: 1 environment(s), 1 app(s)")


def test_config_check_names_file_key_and_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "preprod.yaml").read_text().replace("kind: local", "kind: docker"))
    done = preprod("config", "check", str(bad), cwd=tmp_path)
    assert done.returncode == 2
    assert f"{bad}: environments.local.kind: Input should be 'local' or 'kubernetes'" in done.stderr


def test_unknown_command_exits_2_with_the_nearest_match(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    done = preprod("--config", str(config), "histroy", cwd=tmp_path)
    assert done.returncode == 2
    assert "Did you mean `history`?" in done.stdout


def test_without_a_config_the_error_says_how_to_give_one(tmp_path: Path) -> None:
    done = preprod("history", cwd=tmp_path)
    assert done.returncode == 2
    assert "no configuration" in done.stdout


def test_the_config_is_found_through_preprod_config(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    env_dir = tmp_path / "cwd"
    env_dir.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "history"],
        cwd=env_dir,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PREPROD_CONFIG": str(config)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no runs yet" in done.stdout


@pytest.mark.slow
def test_ready_on_the_good_release_is_go_and_the_candidate_is_no_go(tmp_path: Path) -> None:
    config = write_config(tmp_path, chaos_in_ready=True)  # the whole shipped plan
    # Long enough for live progress every 3 s, so early warnings can fire during the load.
    config.write_text(config.read_text().replace("duration: 4s", "duration: 8s"))
    good = preprod(
        "--config", str(config), "ready", "shop", "1.0", "--report", "good.md", cwd=tmp_path
    )
    assert good.returncode == 0, good.stdout + good.stderr
    assert "▶ deploy" in good.stdout and "load: " in good.stdout
    assert "seed pass: 1,939 synthetic rows in 3 tables" in good.stdout
    assert "verdict: GO" in good.stdout
    assert "analyze pass: catalog, storefront from the services' own /metrics" in good.stdout
    assert "chaos pass: catalog answers 300 ms late: hypothesis held" in good.stdout
    assert "**Verdict: ✅ GO**" in (tmp_path / "good.md").read_text()

    bad = preprod(
        "--config", str(config), "ready", "shop", "1.1", "--report", "bad.md", cwd=tmp_path
    )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "verdict: NO-GO" in bad.stdout
    assert "warning: load: p95 latency" in bad.stdout, "an early warning during the load"
    assert "warning:" not in good.stdout
    report = (tmp_path / "bad.md").read_text()
    assert "**Verdict: ⛔ NO-GO**" in report
    assert "| ⛔ | 40 | e2e failed: 11 passed, 1 failed" in report
    assert "test_order_of_several_items_is_placed" in report
    assert "key SLO failed: product page p95 latency on GET /api/products/[id]" in report
    assert "| product page p95 latency (GET /api/products/[id]) 🔑 |" in report

    history = preprod("--config", str(config), "history", cwd=tmp_path)
    lines = history.stdout.splitlines()
    assert "ready    shop 1.1" in lines[1] and "no-go" in lines[1]
    assert "ready    shop 1.0" in lines[2] and "→ go" in lines[2]


@pytest.mark.slow
def test_deploy_status_and_rollback_from_a_terminal(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    run = lambda *args: preprod("--config", str(config), *args, cwd=tmp_path)  # noqa: E731
    try:
        assert run("deploy", "shop", "1.0").returncode == 0
        assert run("deploy", "shop", "1.1").returncode == 0
        status = run("status", "local").stdout
        assert "local (local): shop 1.1 (previous 1.0)" in status
        assert status.count("healthy") == 2
        rolled = run("rollback")
        assert rolled.returncode == 0, rolled.stdout
        assert "local (local): shop 1.0 (previous 1.1)" in run("status").stdout
        tested = run("test", "e2e")
        assert tested.returncode == 0, tested.stdout
        assert "e2e pass: 12 passed" in tested.stdout
        history = run("history").stdout
        assert "test     shop 1.0" in history
    finally:
        from actions.environments.factory import open_environment
        from bot.settings import load_settings

        open_environment(load_settings(str(config)), "local").teardown()
