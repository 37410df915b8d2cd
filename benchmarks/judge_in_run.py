"""The regression judge as a readiness run uses it: per-second p95 windows of the storefront's own
histograms over the load, this run against the baseline run.

Real runs of the shop's release 1.0 through the bot's own job runner (deploy, 12 s of Locust load,
analyze), on the local environment: a warm-up run (a first run is slower: cold caches), one
baseline run, one calibration run at
`SHOP_LATENCY_FACTOR=2` (the storefront p95 added per unit of factor), then ROUNDS rounds of, in
turn, an A/A run (factor 1) and one run per injected regression (the factor that adds +10% and
+25% to the baseline's mean per-second p95). Every run's stored samples are judged against the
baseline run's with the run's own judge (`regression.judge_run`, default settings). Reported: how
often the storefront p95 is `high` per arm (detection; for A/A, false alarms), how often the whole
judgement is not `pass`, and each arm's measured change of the mean per-second p95.

Run: `python -m benchmarks.judge_in_run` (or `./dev bench judge_in_run`); about 6 minutes.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from actions.config import Settings
from actions.telemetry.regression import JudgeSettings, judge_run
from bot.jobs import JobRunner
from bot.replies import Caller, Started
from bot.service import Preprod
from storage import runs
from storage.store import Store

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 5
TARGETS = (0.10, 0.25)
LOAD = "12s"
METRIC = "storefront p95_ms"
CALLER = Caller(user="local:bench", surface="cli", name="bench")


def settings_in(workdir: Path) -> Settings:
    data = yaml.safe_load((ROOT / "preprod.yaml").read_text())
    data["storage"] = {"path": str(workdir / "preprod.db"), "artifacts": str(workdir / "art")}
    data["environments"]["local"]["workdir"] = str(workdir / "env")
    data["plan"], data["slos"], data["rollback_policies"] = (
        ["deploy", "load", "analyze", "report"],
        [],
        [],
    )
    shop = data["apps"]["shop"]
    shop["releases_dir"] = str(ROOT / shop["releases_dir"])
    shop["load"]["locustfile"] = str(ROOT / shop["load"]["locustfile"])
    shop["load"]["duration"] = LOAD
    settings = Settings.model_validate(data)
    settings.base_dir = ROOT
    return settings


def run_once(bot: Preprod, factor: float) -> dict[str, list[float]] | Any:
    """One readiness run of shop 1.0 at a latency factor; its stored per-second samples."""
    os.environ["SHOP_LATENCY_FACTOR"] = repr(factor)
    started = bot.handle("ready shop 1.0", CALLER)
    assert isinstance(started, Started), started
    bot.runner.wait(started.run_id, timeout=300)
    analyze = next(r for r in runs.results_of(bot.store, started.run_id) if r["step"] == "analyze")
    return analyze["data"]["samples"]


def mean_p95(samples: Any) -> float:
    return statistics.fmean(samples["storefront"]["p95_ms"])


def main() -> dict[str, Any]:
    judge = JudgeSettings()
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="judge-in-run-") as tmp:
        settings = settings_in(Path(tmp))
        store = Store(settings.resolve(settings.storage.path))
        bot = Preprod(settings, store, runner=JobRunner(settings, store))
        try:
            run_once(bot, 1.0)  # warm-up: a first run on a fresh machine is slower
            baseline = run_once(bot, 1.0)
            base = mean_p95(baseline)
            slope = mean_p95(run_once(bot, 2.0)) - base
            factors = {"A/A": 1.0} | {f"+{t:.0%}": 1.0 + t * base / slope for t in TARGETS}
            print(f"baseline mean per-second p95 {base:.1f} ms; +{slope:.1f} ms per unit of factor")
            arms: dict[str, list[dict[str, Any]]] = {arm: [] for arm in factors}
            for round_ in range(ROUNDS):
                for arm, factor in factors.items():
                    samples = run_once(bot, factor)
                    result = judge_run(judge, baseline=baseline, candidate=samples)
                    metric = next(m for m in result.metrics if m.name == METRIC)
                    arms[arm].append(
                        {
                            "high": metric.classification == "high",
                            "verdict": result.verdict,
                            "change": mean_p95(samples) / base - 1.0,
                            "n": metric.candidate_n,
                        }
                    )
                    print(
                        f"round {round_ + 1} {arm}: {metric.classification}, judgement "
                        f"{result.verdict}, mean p95 {mean_p95(samples) / base - 1:+.1%}"
                    )
        finally:
            bot.runner.shutdown()
            os.environ.pop("SHOP_LATENCY_FACTOR", None)
            store.close()
    figures: dict[str, Any] = {
        "rounds": ROUNDS,
        "load": LOAD,
        "baseline_mean_p95_ms": round(base, 2),
        "ms_per_factor": round(slope, 2),
        "arms": {
            arm: {
                "factor": round(factors[arm], 3),
                "storefront_p95_high_rate": sum(r["high"] for r in rows) / len(rows),
                "judgement_not_pass_rate": sum(r["verdict"] != "pass" for r in rows) / len(rows),
                "measured_change_mean": round(statistics.fmean(r["change"] for r in rows), 4),
                "measured_change_sd": round(statistics.stdev(r["change"] for r in rows), 4),
                "samples_per_run": min(r["n"] for r in rows),
            }
            for arm, rows in arms.items()
        },
        "seconds": round(time.monotonic() - began, 1),
    }
    for arm, row in figures["arms"].items():
        print(
            f"{arm}: storefront p95 high in {row['storefront_p95_high_rate']:.0%} of runs, "
            f"judgement not pass in {row['judgement_not_pass_rate']:.0%}; measured change "
            f"{row['measured_change_mean']:+.1%} (sd {row['measured_change_sd']:.1%})"
        )
    return figures


if __name__ == "__main__":
    main()
