"""The regression judge in a readiness run: 1.1's storefront latency and errors are judged high
against the 1.0 run's samples of the same load, and the analyze step fails with the evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from actions.result import Status
from bot.jobs import JobRunner
from bot.replies import Caller, Started
from bot.service import Preprod
from storage import runs
from storage.store import Store
from tests.conftest import example_settings

ENGINEER = Caller(user="local:eve", surface="cli", name="eve")


def analyze_of(bot: Preprod, command: str) -> dict[str, Any]:
    started = bot.handle(command, ENGINEER)
    assert isinstance(started, Started), started
    bot.runner.wait(started.run_id, timeout=120)
    analyze = next(r for r in runs.results_of(bot.store, started.run_id) if r["step"] == "analyze")
    run = runs.get_run(bot.store, started.run_id)
    assert run is not None
    return {**analyze, "report": Path(run["report_path"]).read_text()}


def test_1_1_is_judged_high_against_the_1_0_run(tmp_path: Path) -> None:
    settings = example_settings(
        tmp_path,
        rollback_policies=[],
        plan=["deploy", "e2e", "load", "analyze", "report"],  # 1.0 must pass to be the baseline
    )
    settings.apps["shop"].load = settings.apps["shop"].load.model_copy(  # type: ignore[union-attr]
        update={"duration": "8s"}
    )
    store = Store(settings.resolve(settings.storage.path))
    bot = Preprod(settings, store, runner=JobRunner(settings, store))
    try:
        baseline = analyze_of(bot, "ready shop 1.0")
        candidate = analyze_of(bot, "ready shop 1.1")
    finally:
        bot.runner.shutdown()

    # Each run keeps its own samples: one value per second of the load, per service.
    assert baseline["data"]["samples_window"] == "load"
    assert len(baseline["data"]["samples"]["storefront"]["p95_ms"]) >= 5
    assert "no samples from" in baseline["summary"]  # the first run has nothing to compare with
    judge = candidate["data"]["judge"]
    assert judge["against"].startswith("shop 1.0 (run ")
    verdicts = {m["name"]: m["classification"] for m in judge["metrics"]}
    assert verdicts["storefront p95_ms"] == "high"
    # Per-second error rates of a few failing orders are often 0: the U test may not call them
    # high on a short run (a pooled proportion test would); they are never lower than 1.0's.
    assert verdicts["storefront error_rate_pct"] in ("high", "pass")
    assert judge["verdict"] == "fail" and candidate["status"] == Status.FAIL.value
    titles = [f["title"] for f in candidate["findings"]]
    assert any(t.startswith("regression judge: storefront p95_ms is high") for t in titles)
    assert "## Regression judge" in candidate["report"]
    assert "| storefront p95_ms | high | +" in candidate["report"]
