"""Log mining (`logs mine`) beside drain3: throughput, peak memory and grouping accuracy.

(a) Speed and memory on one file of about a million lines, built once and deterministically under
`.preprod/benchmarks/` from the Content lines of the eight Loghub 2k sets, repeated 63 times; each
repeat after the first varies every number (same length, or one digit more one time in four) and
every hex id (same length) with a seeded generator. Each contender runs in fresh subprocesses
(three runs, the fastest reported: the machine is shared) that stream the file line by line:
`TemplateMiner().add` (ours), `drain3.TemplateMiner()` with its default configuration and
`add_log_message`, and the whole `mine_lines` analysis (parse, mine, figures, suspects) for
reference. Memory is the subprocess's peak resident set size (`resource.getrusage(RUSAGE_SELF)
.ru_maxrss`), given with the size before the first line (interpreter and imports), so the
difference is what mining the file took.

(b) Grouping accuracy on the eight Loghub 2k sets (input: the `Content` column, truth: `EventId`;
GA as in /work/shared/data/README.md). Ours: each line's final template, `final(add(line))`, one
default configuration for all sets; also through `mine_lines` (what `--assignments` writes).
drain3: `TemplateMiner()` without a config file; each line's group is the cluster id that
`add_log_message` returned, which is its final cluster (drain3 never merges clusters; with no
`max_clusters` none is evicted). For reference also drain3 re-matched: after all lines, each line
`match()`ed against the final templates (a line that matches none is a group of its own). Also
the cold throughput of both over the 16,000 lines (a fresh miner per set).

Run: `python -m benchmarks log_mining` (or `python -m benchmarks.log_mining`).
"""

from __future__ import annotations

import csv
import json
import random
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LOGHUB = Path("/work/shared/data/loghub")
SETS = ("HDFS", "Apache", "OpenSSH", "Zookeeper", "Spark", "Hadoop", "BGL", "Linux")
BIG = ROOT / ".preprod" / "benchmarks" / "log_mining_1m.log"
REPEATS, SEED = 63, 20_240_501
RUNS = 3
_NUMBER = re.compile(r"\d+")
_HEX_ID = re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,}\b")


def load_loghub(name: str, root: Path = LOGHUB) -> tuple[list[str], list[str]]:
    """The Content lines of a Loghub 2k set and their true EventIds."""
    with (root / name / f"{name}_2k.log_structured.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["Content"] for r in rows], [r["EventId"] for r in rows]


def grouping_accuracy(predicted: Sequence[object], truth: Sequence[str]) -> float:
    """The share of lines whose group holds exactly the lines that share their true EventId."""
    sizes = Counter(truth)
    groups: dict[object, list[str]] = defaultdict(list)
    for group, event in zip(predicted, truth, strict=True):
        groups[group].append(event)
    right = sum(
        len(events)
        for events in groups.values()
        if len(set(events)) == 1 and sizes[events[0]] == len(events)
    )
    return right / len(truth)


def build_big_file(path: Path = BIG) -> Path:
    """The million-line file (built once; the same bytes every time)."""
    if path.exists():
        return path
    lines = [line for name in SETS for line in load_loghub(name)[0]]
    rng = random.Random(SEED)

    def number(m: re.Match[str]) -> str:
        size = len(m.group()) + (1 if rng.random() < 0.25 else 0)
        return str(rng.randrange(10 ** (size - 1) if size > 1 else 0, 10**size))

    def hex_id(m: re.Match[str]) -> str:
        return "".join(rng.choice("0123456789abcdef") for _ in m.group())

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        for repeat in range(REPEATS):
            for line in lines:
                if repeat:
                    line = _NUMBER.sub(number, _HEX_ID.sub(hex_id, line))
                out.write(line + "\n")
    partial.replace(path)
    return path


def _worker(kind: str, path: str) -> dict[str, Any]:
    """Run in a subprocess: stream the file through one contender, time it, read its peak RSS."""
    import logging
    import resource

    from drain3 import TemplateMiner as Drain3

    from actions.insight.mining import TemplateMiner, mine_lines

    logging.disable(logging.CRITICAL)
    extra: dict[str, Any] = {}
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with open(path, encoding="utf-8") as f:
        if kind == "ours":
            miner = TemplateMiner()
            lines = sum(1 for line in f if miner.add(line.rstrip("\n")) >= 0)
            templates, extra["cache_hits"] = len(miner.templates()), miner.cache_hits
        elif kind == "drain3":
            drain = Drain3()
            lines = sum(1 for line in f if drain.add_log_message(line.rstrip("\n")))
            templates = len(drain.drain.clusters)
        else:
            mined = mine_lines(line.rstrip("\n") for line in f)
            lines, templates = mined.lines, len(mined.templates)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "lines": lines,
        "seconds": round(elapsed, 2),
        "lines_per_s": round(lines / elapsed),
        "templates": templates,
        "rss_before_mb": round(before / 1024, 1),
        "peak_rss_mb": round(peak / 1024, 1),
        "mining_rss_mb": round((peak - before) / 1024, 1),
        **extra,
    }


def _best_of(kind: str, path: Path, runs: int = RUNS) -> dict[str, Any]:
    """The fastest of `runs` fresh subprocesses (the machine is shared), with every run's rate."""
    results = [_run_worker(kind, path) for _ in range(runs)]
    best = dict(min(results, key=lambda r: r["seconds"]))
    best["runs_lines_per_s"] = [r["lines_per_s"] for r in results]
    best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in results)
    best["mining_rss_mb"] = max(r["mining_rss_mb"] for r in results)
    return best


def _run_worker(kind: str, path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.log_mining", "--worker", kind, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def accuracy() -> dict[str, Any]:
    """GA per set and on average: ours (miner and mine_lines) and drain3 (two readings)."""
    import logging

    from drain3 import TemplateMiner as Drain3

    from actions.insight.mining import TemplateMiner, mine_lines

    logging.disable(logging.CRITICAL)
    per_set: dict[str, dict[str, float]] = {}
    seconds = {"ours": 0.0, "drain3": 0.0}
    for name in SETS:
        lines, truth = load_loghub(name)
        started = time.perf_counter()
        miner = TemplateMiner()
        ids = [miner.add(line) for line in lines]
        ours = [miner.final(i) for i in ids]
        seconds["ours"] += time.perf_counter() - started
        started = time.perf_counter()
        drain = Drain3()
        added = [drain.add_log_message(line)["cluster_id"] for line in lines]
        seconds["drain3"] += time.perf_counter() - started
        rematched = []
        for n, line in enumerate(lines):
            cluster = drain.match(line)
            rematched.append(cluster.cluster_id if cluster is not None else f"none-{n}")
        per_set[name] = {
            "ours": round(grouping_accuracy(ours, truth), 4),
            "ours_mine_lines": round(
                grouping_accuracy(list(mine_lines(lines).assignments), truth), 4
            ),
            "drain3": round(grouping_accuracy(added, truth), 4),
            "drain3_rematched": round(grouping_accuracy(rematched, truth), 4),
        }
    columns = ("ours", "ours_mine_lines", "drain3", "drain3_rematched")
    average = {c: round(sum(s[c] for s in per_set.values()) / len(SETS), 4) for c in columns}
    cold = sum(len(load_loghub(n)[0]) for n in SETS)
    return {
        "per_set": per_set,
        "average": average,
        "cold_lines_per_s": {k: round(cold / v) for k, v in seconds.items()},
    }


def main() -> dict[str, Any]:
    """Measure everything in one run; print and return the figures."""
    path = build_big_file()
    print(f"file: {path} ({path.stat().st_size / 1e6:.0f} MB)")
    speed = {kind: _best_of(kind, path) for kind in ("ours", "drain3", "mine_lines")}
    for kind, s in speed.items():
        print(
            f"  {kind:<11} {s['lines']} lines in {s['seconds']} s: {s['lines_per_s']} lines/s "
            f"(runs: {s['runs_lines_per_s']}), {s['templates']} templates, "
            f"peak RSS {s['peak_rss_mb']} MB ({s['rss_before_mb']} MB before the first line)"
        )
    ga = accuracy()
    print(f"  {'GA':<10} {'ours':>7} {'(mine_lines)':>13} {'drain3':>7} {'(rematched)':>12}")
    for name, g in [*ga["per_set"].items(), ("average", ga["average"])]:
        print(
            f"  {name:<10} {g['ours']:>7.4f} {g['ours_mine_lines']:>13.4f} {g['drain3']:>7.4f} "
            f"{g['drain3_rematched']:>12.4f}"
        )
    print(f"  cold throughput on the 2k sets (lines/s): {ga['cold_lines_per_s']}")
    return {
        "file": str(path.relative_to(ROOT)),
        "memory": "peak RSS of each subprocess (ru_maxrss), and before its first line",
        "throughput": speed,
        "grouping_accuracy": ga,
    }


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        print(json.dumps(_worker(sys.argv[2], sys.argv[3])))
    else:
        main()
