"""Accuracy of the regression judge on the example shop: detection of injected p95 regressions and
false alarms over A/A runs.

The shop's release 1.0 (catalog + storefront) runs as several independent deployments on loopback:
three baselines (`SHOP_LATENCY_FACTOR=1`) and one candidate per injected regression, whose factor
stretches the catalog's simulated database round trip. Only part of a request's time is that round
trip, so the factors are calibrated first: one deployment at factor 2 gives the p95 added per unit
of factor, and each target (+5%, +10%, +25% of the baseline p95) gets `1 + target × p95 ÷ slope`.

Then, in each of ROUNDS rounds, every deployment gets REQUESTS sequential `GET /api/products/<id>`
at the same time (one client thread each, so all arms share the same window, as a canary and its
baseline do), timed at the client. Per round the judge compares
- each candidate against baseline A (a regression is detected when the metric is `high`);
- every ordered pair of the three baselines (A/A: a `high` is a false alarm), six judgements.
Reported: the detection rate per injected size, the false-alarm rate, and each arm's measured p95
change (pooled samples) next to the run-to-run p95 noise between baselines.

Run: `python -m benchmarks.judge_accuracy` (or `./dev bench judge_accuracy`).
"""

from __future__ import annotations

import itertools
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from actions.environments.ports import free_ports
from actions.telemetry.judge import JudgeConfig, MetricSpec, classify

ROOT = Path(__file__).resolve().parents[1]
RELEASE = ROOT / "examples" / "shop" / "releases" / "1.0"
HOST = "127.0.0.1"
PRODUCTS = 52
REQUESTS, ROUNDS, WARMUP, CALIBRATION_REQUESTS = 150, 20, 20, 200
CALIBRATION_FACTOR = 2.0
TARGETS = (0.05, 0.10, 0.25)
BASELINES = ("A", "B", "C")
# A p95 increase under 3% is tolerated: small enough to catch +5%, well above run-to-run p95 noise.
SPEC = MetricSpec(name="p95 latency of GET /api/products/[id]", effect="p95", allowed_increase=1.03)
CONFIG = JudgeConfig()  # confidence 0.98, tolerance 0.25 (Kayenta's)


@dataclass
class Shop:
    """One deployment of release 1.0: its catalog and storefront processes."""

    name: str
    factor: float
    url: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    samples: list[list[float]] = field(default_factory=list)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start_shop(name: str, factor: float, workdir: Path) -> Shop:
    """Start a catalog (with the latency factor) and a storefront on free loopback ports."""
    catalog_port, storefront_port = free_ports(HOST, 2)
    env = {**os.environ, "SHOP_LATENCY_FACTOR": repr(factor)}
    catalog_url = f"http://{HOST}:{catalog_port}"
    shop = Shop(name, factor, f"http://{HOST}:{storefront_port}")
    commands = [
        [RELEASE / "catalog.py", "--port", catalog_port, "--db", workdir / f"{name}-catalog.db"],
        [RELEASE / "storefront.py", "--port", storefront_port, "--catalog-url", catalog_url,
         "--db", workdir / f"{name}-orders.db"],
    ]  # fmt: skip
    for command in commands:
        argv = [sys.executable, *map(str, command), "--host", HOST]
        shop.processes.append(
            subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
    for url in (catalog_url, shop.url):
        _wait_healthy(url, shop)
    return shop


def _wait_healthy(url: str, shop: Shop, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    shop.stop()
    raise RuntimeError(f"shop {shop.name} did not become healthy at {url}")


def measure(shop: Shop, count: int, offset: int = 0) -> list[float]:
    """Latencies (ms) of `count` sequential product-page requests, timed at the client."""
    latencies = []
    with httpx.Client(base_url=shop.url, timeout=5.0) as client:
        for i in range(count):
            start = time.perf_counter()
            response = client.get(f"/api/products/{(offset + i) % PRODUCTS + 1}")
            latencies.append((time.perf_counter() - start) * 1000.0)
            response.raise_for_status()
    return latencies


def measure_together(shops: list[Shop], count: int, offset: int = 0) -> list[list[float]]:
    """Every shop measured at the same time, one client thread each."""
    with ThreadPoolExecutor(max_workers=len(shops)) as pool:
        return list(pool.map(lambda shop: measure(shop, count, offset), shops))


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95.0))


def calibrate(baselines: list[Shop], workdir: Path) -> tuple[float, float, dict[float, float]]:
    """The baseline p95, the p95 added per unit of latency factor, and each target's factor."""
    probe = start_shop("calibration", CALIBRATION_FACTOR, workdir)
    try:
        measure_together([*baselines, probe], WARMUP)
        *base_runs, probe_run = measure_together([*baselines, probe], CALIBRATION_REQUESTS)
    finally:
        probe.stop()
    base_p95 = p95([x for run in base_runs for x in run])
    slope = (p95(probe_run) - base_p95) / (CALIBRATION_FACTOR - 1.0)
    return base_p95, slope, {t: round(1.0 + t * base_p95 / slope, 3) for t in TARGETS}


def main() -> dict[str, Any]:
    """Run the benchmark, print its table and return its figures."""
    started = time.monotonic()
    shops: list[Shop] = []
    with tempfile.TemporaryDirectory(prefix="judge-accuracy-") as tmp:
        workdir = Path(tmp)
        try:
            shops = [start_shop(name, 1.0, workdir) for name in BASELINES]
            base_p95, slope, factors = calibrate(shops, workdir)
            candidates = [start_shop(f"+{t:.0%}", factors[t], workdir) for t in TARGETS]
            shops += candidates
            measure_together(shops, WARMUP)
            for round_ in range(ROUNDS):
                for shop, run in zip(shops, measure_together(shops, REQUESTS, round_), strict=True):
                    shop.samples.append(run)
        finally:
            for shop in shops:
                shop.stop()
    figures = _figures(shops[: len(BASELINES)], candidates, base_p95, slope)
    figures["seconds"] = round(time.monotonic() - started, 1)
    _print(figures)
    return figures


def _high(baseline: list[float], candidate: list[float]) -> bool:
    verdict = classify(SPEC, baseline=baseline, candidate=candidate, config=CONFIG)
    return verdict.classification == "high"


def _figures(
    baselines: list[Shop], candidates: list[Shop], base_p95: float, slope: float
) -> dict[str, Any]:
    reference = baselines[0]
    pooled_ref = p95([x for run in reference.samples for x in run])
    aa = [
        _high(a.samples[r], b.samples[r])
        for a, b in itertools.permutations(baselines, 2)
        for r in range(ROUNDS)
    ]
    aa_changes = [
        p95(b.samples[r]) / p95(a.samples[r]) - 1.0
        for a, b in itertools.combinations(baselines, 2)
        for r in range(ROUNDS)
    ]
    arms = []
    for shop, target in zip(candidates, TARGETS, strict=True):
        detected = [_high(reference.samples[r], shop.samples[r]) for r in range(ROUNDS)]
        arms.append(
            {
                "target_p95_change": target,
                "latency_factor": shop.factor,
                "measured_p95_change": round(
                    p95([x for run in shop.samples for x in run]) / pooled_ref - 1.0, 4
                ),
                "median_run_p95_change": round(
                    statistics.median(
                        p95(shop.samples[r]) / p95(reference.samples[r]) - 1.0
                        for r in range(ROUNDS)
                    ),
                    4,
                ),
                "detected": sum(detected),
                "runs": ROUNDS,
                "detection_rate": round(sum(detected) / ROUNDS, 3),
            }
        )
    return {
        "requests_per_run": REQUESTS,
        "rounds": ROUNDS,
        "spec": SPEC.model_dump(include={"effect", "allowed_increase", "direction"}),
        "confidence": CONFIG.confidence,
        "tolerance": CONFIG.tolerance,
        "baseline_p95_ms": round(pooled_ref, 2),
        "calibration": {"base_p95_ms": round(base_p95, 2), "ms_per_unit_factor": round(slope, 2)},
        "aa_p95_noise_sd": round(statistics.pstdev(aa_changes), 4),
        "aa_false_alarms": sum(aa),
        "aa_judgements": len(aa),
        "false_alarm_rate": round(sum(aa) / len(aa), 3),
        "regressions": arms,
    }


def _print(figures: dict[str, Any]) -> None:
    print(
        f"judge accuracy on the shop (release 1.0, GET /api/products/<id>): "
        f"{figures['rounds']} rounds × {figures['requests_per_run']} requests per arm, "
        f"effect p95, allowed increase {figures['spec']['allowed_increase']}, "
        f"confidence {figures['confidence']}, tolerance {figures['tolerance']}"
    )
    print(
        f"baseline p95 {figures['baseline_p95_ms']} ms; "
        f"run-to-run p95 noise between baselines ±{figures['aa_p95_noise_sd']:.1%} (sd)"
    )
    print(f"{'arm':<8} {'factor':>7} {'p95 change':>11} {'per-run':>8} {'judged high':>14}")
    for arm in figures["regressions"]:
        print(
            f"+{arm['target_p95_change']:<7.0%} {arm['latency_factor']:>7.3f} "
            f"{arm['measured_p95_change']:>+11.1%} {arm['median_run_p95_change']:>+8.1%} "
            f"{arm['detected']:>4}/{arm['runs']:<3} {arm['detection_rate']:>5.0%}"
        )
    print(
        f"{'A/A':<8} {1.0:>7.3f} {'':>11} {'':>8} "
        f"{figures['aa_false_alarms']:>4}/{figures['aa_judgements']:<3} "
        f"{figures['false_alarm_rate']:>5.0%}  (false alarms)"
    )
    print(f"took {figures['seconds']} s")


if __name__ == "__main__":
    main()
