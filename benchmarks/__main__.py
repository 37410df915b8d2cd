"""Run every benchmark and print its figures: `./dev bench` (or `python -m benchmarks NAME`)."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

BENCHMARKS = [
    "slack_ack",
    "nab",
    "judge_accuracy",
    "judge_in_run",
    "test_selection",
    "load_harness",
    "redaction",
    "log_mining",
    "seeding",
    "anonymising",
]


def main(argv: list[str]) -> int:
    chosen = argv or BENCHMARKS
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    out = Path(".preprod/benchmarks")
    out.mkdir(parents=True, exist_ok=True)
    for name in chosen:
        print(f"== {name}")
        figures = importlib.import_module(f"benchmarks.{name}").main()
        (out / f"{name}.json").write_text(json.dumps(figures, indent=2))
        print(f"figures written to {out / (name + '.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
