"""Load the generic harness drives, beside plain Locust with an equivalent hand-written locustfile.

The example shop's release 1.0 runs on loopback. Each round runs, one after the other and in
alternating order, `locust --headless` with the shop's own locustfile (`examples/shop/load/
locustfile.py`) and the harness (`actions/testing/harness/locustfile.py`) with the equivalent
profile (`examples/shop/load/profile.yaml`): same users, spawn rate, duration and host. Two
scenarios: the profile's think time (0.05-0.2 s, as the shop's load is meant to run) and no
think time (each user sends as fast as it can, so any cost of the harness would show). Reported
per scenario: requests per second of each (from Locust's final JSON statistics), the ratio
harness ÷ plain, failures, p95, and the load generator's CPU time per request (the Locust
process's user+sys time, from `getrusage` of the finished child), also net of its start-up (the
CPU time of `locust -f F --list`, which loads the locustfile and exits).

Run: `python -m benchmarks.load_harness` (or `./dev bench load_harness` once registered).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from actions.testing.distributed import LoadShape, locust, single_command
from actions.testing.harness import LOCUSTFILE as HARNESS
from actions.testing.locust_json import parse_stats_json
from actions.testing.profile import PROFILE_ENV
from benchmarks.judge_accuracy import start_shop

ROOT = Path(__file__).resolve().parents[1]
SHOP_LOAD = ROOT / "examples" / "shop" / "load"
USERS, DURATION_S, ROUNDS, WARMUP_S = 10, 10, 3, 3
SCENARIOS = ("profile think time", "no think time")


def scripts(scenario: str, folder: Path) -> tuple[Path, Path]:
    """The hand-written locustfile and the profile of a scenario."""
    if scenario == "profile think time":
        return SHOP_LOAD / "locustfile.py", SHOP_LOAD / "profile.yaml"
    locustfile = folder / "locustfile_no_wait.py"
    text = (SHOP_LOAD / "locustfile.py").read_text()
    no_wait = text.replace("between(0.05, 0.2)", "constant(0)").replace(
        "import HttpUser, between, task", "import HttpUser, constant, task"
    )
    if "constant(0)" not in no_wait or "between" in no_wait:
        raise RuntimeError("the shop's locustfile changed: update this benchmark's no-wait copy")
    locustfile.write_text(no_wait)
    profile = yaml.safe_load((SHOP_LOAD / "profile.yaml").read_text())
    profile["think_time"] = {"constant": 0}
    profile_path = folder / "profile_no_wait.yaml"
    profile_path.write_text(yaml.safe_dump(profile))
    return locustfile, profile_path


def child_cpu_s(argv: list[str], folder: Path, env: dict[str, str], timeout_s: float) -> float:
    """The user+sys CPU seconds of running `argv` to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        argv, cwd=folder, env=env, check=True, timeout=timeout_s,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def startup_cpu_s(locustfile: Path, folder: Path, profile: Path | None = None) -> float:
    """What starting Locust with `locustfile` costs: the median of three `--list` runs."""
    env = {**os.environ, **({PROFILE_ENV: str(profile)} if profile else {})}
    argv = [*locust(locustfile), "--list"]
    return statistics.median(child_cpu_s(argv, folder, env, 60) for _ in range(3))


def run_locust(
    locustfile: Path, host: str, folder: Path, run_s: int, profile: Path | None = None
) -> dict[str, float]:
    """One headless run; its requests per second, failures, p95 and CPU per request."""
    prefix = folder / f"run-{time.monotonic_ns()}"
    env = {**os.environ, **({PROFILE_ENV: str(profile)} if profile else {})}
    argv = single_command(locustfile, LoadShape(USERS, USERS, run_s), host=host, prefix=prefix)
    cpu_s = child_cpu_s(argv, folder, env, run_s + 60)
    stats = parse_stats_json(Path(f"{prefix}.json").read_text()).aggregate
    return {
        "cpu_s": cpu_s,
        "rps": round(stats.rps, 2),
        "requests": stats.requests,
        "failures": stats.failures,
        "p95_ms": stats.percentile("95%") or 0.0,
        "cpu_ms_per_request": round(1000.0 * cpu_s / max(1, stats.requests), 3),
    }


def main() -> dict[str, Any]:
    """Run the benchmark, print its table and return its figures."""
    started = time.monotonic()
    figures: dict[str, Any] = {
        "users": USERS,
        "duration_s": DURATION_S,
        "rounds": ROUNDS,
        "scenarios": {},
    }
    with tempfile.TemporaryDirectory(prefix="load-harness-") as tmp:
        folder = Path(tmp)
        shop = start_shop("bench", 1.0, folder)
        try:
            run_locust(SHOP_LOAD / "locustfile.py", shop.url, folder, WARMUP_S)
            for scenario in SCENARIOS:
                locustfile, profile = scripts(scenario, folder)
                runs: dict[str, list[dict[str, float]]] = {"plain": [], "harness": []}
                startup = {
                    "plain": startup_cpu_s(locustfile, folder),
                    "harness": startup_cpu_s(HARNESS, folder, profile),
                }
                for round_ in range(ROUNDS):
                    order = ("harness", "plain") if round_ % 2 == 0 else ("plain", "harness")
                    for kind in order:
                        script, env_profile = (
                            (HARNESS, profile) if kind == "harness" else (locustfile, None)
                        )
                        runs[kind].append(
                            run_locust(script, shop.url, folder, DURATION_S, env_profile)
                        )
                figures["scenarios"][scenario] = _summary(runs, startup)
        finally:
            shop.stop()
    figures["seconds"] = round(time.monotonic() - started, 1)
    _print(figures)
    return figures


def _summary(runs: dict[str, list[dict[str, float]]], startup: dict[str, float]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for kind, results in runs.items():
        net = [(r["cpu_s"] - startup[kind]) * 1000.0 / max(1, r["requests"]) for r in results]
        summary[kind] = {
            "startup_cpu_s": round(startup[kind], 3),
            "net_cpu_ms_per_request": round(statistics.mean(net), 3),
            "rps_runs": [r["rps"] for r in results],
            "rps_mean": round(statistics.mean(r["rps"] for r in results), 2),
            "failures": sum(r["failures"] for r in results),
            "p95_ms_median": statistics.median(r["p95_ms"] for r in results),
            "cpu_ms_per_request": round(
                statistics.mean(r["cpu_ms_per_request"] for r in results), 3
            ),
        }
    summary["rps_ratio"] = round(summary["harness"]["rps_mean"] / summary["plain"]["rps_mean"], 3)
    for figure in ("cpu_ms_per_request", "net_cpu_ms_per_request"):
        ratio = summary["harness"][figure] / summary["plain"][figure]
        summary[figure.replace("ms_per_request", "ratio")] = round(ratio, 3)
    return summary


def _print(figures: dict[str, Any]) -> None:
    print(
        f"harness vs plain Locust on the shop (release 1.0): {figures['users']} users, "
        f"{figures['duration_s']} s per run, {figures['rounds']} rounds, alternating order"
    )
    print(
        f"{'scenario':<20} {'':<8} {'req/s (each run)':<26} {'mean':>8} {'p95':>6} "
        f"{'fails':>6} {'CPU ms/req':>11} {'start CPU s':>12} {'net CPU ms/req':>15}"
    )
    for scenario, summary in figures["scenarios"].items():
        for kind in ("plain", "harness"):
            row = summary[kind]
            runs = ", ".join(f"{r:.1f}" for r in row["rps_runs"])
            cpu, net = row["cpu_ms_per_request"], row["net_cpu_ms_per_request"]
            print(
                f"{scenario:<20} {kind:<8} {runs:<26} {row['rps_mean']:>8.1f} "
                f"{row['p95_ms_median']:>6g} {row['failures']:>6} {cpu:>11.3f} "
                f"{row['startup_cpu_s']:>12.3f} {net:>15.3f}"
            )
        print(
            f"{scenario:<20} ratio harness/plain: req/s {summary['rps_ratio']:.3f}, "
            f"CPU per request {summary['cpu_ratio']:.3f} "
            f"(net of start-up {summary['net_cpu_ratio']:.3f})"
        )
    print(f"took {figures['seconds']} s")


if __name__ == "__main__":
    main()
