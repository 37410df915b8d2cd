"""`metrics [env] [--compare RUN]`: the SLO table of the latest readiness run, with baselines."""

from __future__ import annotations

from pathlib import Path

from actions.result import Measurement, Result, Status
from bot.replies import Caller
from bot.service import Preprod
from storage import runs
from storage.store import Store
from tests.conftest import example_settings

VIEWER = Caller(user="U_VIEW", surface="slack")


def _ready_run(store: Store, version: str, p95: float, verdict: str) -> int:
    rid = runs.create_run(
        store, verb="ready", command="ready", app="shop", version=version, environment="local"
    )
    load = Result(
        step="load",
        status=Status.PASS,
        summary="load",
        measurements=[
            Measurement(name="p95_ms", value=p95, unit="ms", tags={"endpoint": "Aggregated"}),
            Measurement(
                name="p95_ms", value=p95, unit="ms", tags={"endpoint": "GET /api/products/[id]"}
            ),
            Measurement(
                name="error_rate_pct", value=0.0, unit="%", tags={"endpoint": "Aggregated"}
            ),
        ],
    )
    runs.start_step(store, rid, 0, "load")
    runs.save_result(store, rid, 0, load)
    runs.update_run(store, rid, status="done", verdict=verdict)
    return rid


def test_metrics_shows_the_latest_run_against_its_baseline(tmp_path: Path) -> None:
    settings = example_settings(tmp_path)
    bot = Preprod(settings, Store(settings.resolve(settings.storage.path)))
    try:
        good = _ready_run(bot.store, "1.0", 40, "go")
        _ready_run(bot.store, "1.1", 340, "no-go")
        text = bot.handle("metrics local", VIEWER).text
        lines = text.splitlines()
        assert lines[0].startswith("run 2 (shop 1.1 on local) against")
        assert any(
            "fail   product page p95 latency: 340 ms" in line and "objective < 200" in line
            for line in lines
        )
        compared = bot.handle(f"metrics local --compare {good}", VIEWER).text
        assert f"against run {good}" in compared
        assert "340 ms (baseline 40)" in compared
    finally:
        bot.runner.shutdown()


def test_metrics_before_any_run_says_how_to_start(tmp_path: Path) -> None:
    settings = example_settings(tmp_path)
    bot = Preprod(settings, Store(settings.resolve(settings.storage.path)))
    try:
        reply = bot.handle("metrics", VIEWER)
        assert reply.kind == "error" and "no finished readiness run on local" in reply.text
    finally:
        bot.runner.shutdown()
