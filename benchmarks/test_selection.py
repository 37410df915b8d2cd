"""Smart test selection on a recorded history: the share of failing tests caught against the share
of tests run.

The history (`benchmarks/data/selection_history.json`, written by `record_selection_history.py`)
is the shop's real e2e suite (12 tests) run against 28 mutants of release 1.0, in a fixed order.
It is replayed in that order: for each release, each strategy orders the suite knowing only the
releases before it and the release's own churn against 1.0 (changed files and symbols), then
runs the first k tests, k = floor(budget x 12) (at least 1), for budgets of 10, 20, 30, 50 and
100% of the tests. Reported, over the releases where some test failed:
- caught: the share of the release's failing tests among the first k (mean over releases);
- detected: the share of those releases with at least one failing test among the first k
  (enough to stop a bad release);
- APFD, the average percentage of faults detected over the whole order (1 is ideal, a random
  order averages about 0.5);
- for smart, the risk it reported as left (the sum of the skipped tests' probabilities) beside
  the failures actually missed, summed over releases.
Strategies: smart (the default weights), smart with file-level churn only (no symbols), smart
with history only (no churn), names only (no history: the changed items' words against the tests'
names), the suite's own order, and a random order (the mean of 2000 seeded shuffles).

Run: `python -m benchmarks.test_selection` (or `./dev bench test_selection` once registered).
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from actions.testing.selection import PastRun, Weights, rank

DATA = Path(__file__).resolve().parent / "data" / "selection_history.json"
BUDGETS = (0.10, 0.20, 0.30, 0.50, 1.00)
SHUFFLES, SEED = 2000, 7
BROKEN = ("failed", "error")

Release = dict[str, Any]
Strategy = Callable[[list[str], list[Release], Release], list[str]]


def _past(
    releases: Sequence[Release], *, churn: bool = True, symbols: bool = True
) -> list[PastRun]:
    return [
        PastRun(
            outcomes={t: v["outcome"] for t, v in r["tests"].items()},
            durations={t: v["time_s"] for t, v in r["tests"].items()},
            changed=frozenset(_items(r, symbols)) if churn else None,
        )
        for r in releases
    ]


def _items(release: Release, symbols: bool = True) -> list[str]:
    return [c for c in release["changed"] if symbols or "::" not in c]


def smart(tests: list[str], past: list[Release], release: Release) -> list[str]:
    return [r.test_id for r in rank(tests, _past(past), _items(release))]


def smart_names_calibrated(tests: list[str], past: list[Release], release: Release) -> list[str]:
    weights = Weights(calibrate_names=True)
    return [r.test_id for r in rank(tests, _past(past), _items(release), weights=weights)]


def smart_files_only(tests: list[str], past: list[Release], release: Release) -> list[str]:
    history = _past(past, symbols=False)
    return [r.test_id for r in rank(tests, history, _items(release, symbols=False))]


def history_only(tests: list[str], past: list[Release], release: Release) -> list[str]:
    return [r.test_id for r in rank(tests, _past(past, churn=False), [])]


def names_only(tests: list[str], past: list[Release], release: Release) -> list[str]:
    return [r.test_id for r in rank(tests, [], _items(release))]


def suite_order(tests: list[str], past: list[Release], release: Release) -> list[str]:
    return list(tests)


STRATEGIES: dict[str, Strategy] = {
    "smart": smart,
    "smart, file churn only": smart_files_only,
    "smart, history only": history_only,
    "smart, names calibrated": smart_names_calibrated,
    "names only": names_only,
    "suite order": suite_order,
}


def budget_size(budget: float, total: int) -> int:
    return max(1, math.floor(budget * total + 1e-9))


def caught(order: Sequence[str], failing: set[str], k: int) -> float:
    return len(failing & set(order[:k])) / len(failing)


def apfd(order: Sequence[str], failing: set[str]) -> float:
    """1 - (sum of the failing tests' positions) / (n m) + 1 / (2n)."""
    n, m = len(order), len(failing)
    positions = [i + 1 for i, test in enumerate(order) if test in failing]
    return 1 - sum(positions) / (n * m) + 1 / (2 * n)


def replay(history: dict[str, Any]) -> dict[str, Any]:
    """Every strategy's figures on the history, replayed in order."""
    tests: list[str] = history["suite_order"]
    releases: list[Release] = history["releases"]
    orders: dict[str, list[list[str]]] = {name: [] for name in [*STRATEGIES, "random"]}
    failing_sets: list[set[str]] = []
    predicted = {b: 0.0 for b in BUDGETS}
    missed = {b: 0 for b in BUDGETS}
    shuffler = random.Random(SEED)
    for i, release in enumerate(releases):
        failing = {t for t, v in release["tests"].items() if v["outcome"] in BROKEN}
        if not failing:
            continue
        failing_sets.append(failing)
        past = releases[:i]
        for name, strategy in STRATEGIES.items():
            orders[name].append(strategy(tests, past, release))
        orders["random"].append([])  # placeholder: random is averaged over shuffles below
        ranked = rank(tests, _past(past), _items(release))
        for b in BUDGETS:
            k = budget_size(b, len(tests))
            predicted[b] += sum(r.probability for r in ranked[k:])
            missed[b] += len(failing - {r.test_id for r in ranked[:k]})
    shuffles = [[shuffler.sample(tests, len(tests)) for _ in range(SHUFFLES)] for _ in failing_sets]
    figures: dict[str, Any] = {
        "releases": len(releases),
        "releases_with_failures": len(failing_sets),
        "tests": len(tests),
        "budgets": {},
        "apfd": {},
    }
    for b in BUDGETS:
        k = budget_size(b, len(tests))
        row: dict[str, Any] = {"tests_run": k}
        for name in STRATEGIES:
            pairs = list(zip(orders[name], failing_sets, strict=True))
            row[name] = {
                "caught": _mean(caught(o, f, k) for o, f in pairs),
                "detected": _mean(float(caught(o, f, k) > 0) for o, f in pairs),
            }
        row["random"] = {
            "caught": _mean(
                _mean(caught(o, f, k) for o in runs)
                for runs, f in zip(shuffles, failing_sets, strict=True)
            ),
            "detected": _mean(
                _mean(float(caught(o, f, k) > 0) for o in runs)
                for runs, f in zip(shuffles, failing_sets, strict=True)
            ),
        }
        row["smart_risk_left"] = {"predicted_missed": round(predicted[b], 2), "missed": missed[b]}
        figures["budgets"][f"{b:.0%}"] = row
    for name in STRATEGIES:
        figures["apfd"][name] = _mean(
            apfd(o, f) for o, f in zip(orders[name], failing_sets, strict=True)
        )
    figures["apfd"]["random"] = _mean(
        _mean(apfd(o, f) for o in runs) for runs, f in zip(shuffles, failing_sets, strict=True)
    )
    return figures


def _mean(values: Any) -> float:
    found = list(values)
    return round(sum(found) / len(found), 3) if found else 0.0


def main() -> dict[str, Any]:
    """Replay the recorded history, print the table and return the figures."""
    started = time.monotonic()
    history = json.loads(DATA.read_text())
    figures = replay(history)
    figures["seconds"] = round(time.monotonic() - started, 2)
    _print(figures)
    return figures


def _print(figures: dict[str, Any]) -> None:
    names = [*STRATEGIES, "random"]
    budgets = figures["budgets"]
    print(
        f"{figures['releases']} releases, {figures['releases_with_failures']} with failing tests, "
        f"{figures['tests']} tests. Share of failing tests caught (share of bad releases detected)"
    )
    header = "  ".join(f"{b} ({row['tests_run']})".rjust(13) for b, row in budgets.items())
    print(f"{'tests run:':<24}{header}  {'APFD':>6}")
    for name in names:
        cells = "  ".join(
            f"{row[name]['caught']:.0%} ({row[name]['detected']:.0%})".rjust(13)
            for row in budgets.values()
        )
        print(f"{name:<24}{cells}  {figures['apfd'][name]:>6.3f}")
    for budget, row in budgets.items():
        left = row["smart_risk_left"]
        print(
            f"smart at {budget}: risk left it reported {left['predicted_missed']:.1f} "
            f"failures in all; it missed {left['missed']}"
        )


if __name__ == "__main__":
    main()
