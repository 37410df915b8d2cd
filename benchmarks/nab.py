"""The Numenta Anomaly Benchmark (NAB 1.1 corpus): our streaming detector against NAB's baselines.

Every file of `/work/shared/data/nab/data` is streamed point by point through each detector; the
anomaly scores are written in NAB's results layout (`<results>/<detector>/<category>/
<detector>_<file>.csv`, columns `timestamp,value,anomaly_score,label`) and scored with NAB's
standard profile (see `benchmarks/nab_scoring.py`: one threshold per detector, swept over the whole
corpus; normalised so that the null detector scores 0 and a perfect one 100).

Detectors in the same run:
- `preprod`: `actions.telemetry.anomaly.Detector`, warm-up = NAB's probationary period;
- `windowedGaussian`: NAB's baseline re-implemented as NAB ships it (the tail probability of each
  value under a Gaussian fitted to the previous 1000 values, as in NAB's published results files);
- `null` (never alerts) and `perfect` (one detection at the start of every window): scorer checks.

Run: `python -m benchmarks.nab [--results DIR] [--data DIR]`; published standard-profile scores:
Numenta HTM 70.5, windowed Gaussian 39.6, random 11.0.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray
from scipy.special import ndtr

from actions.telemetry.anomaly import Detector, DetectorConfig
from benchmarks.nab_scoring import (
    STANDARD,
    FileWeights,
    file_weights,
    normalise,
    probation_length,
    score_file,
    sweep,
)

NAB = Path("/work/shared/data/nab")
RESULTS = Path(".preprod/nab/results")
PUBLISHED = {"Numenta HTM": 70.5, "windowed Gaussian": 39.6, "random": 11.0}
GAUSSIAN_WINDOW = 1000


class DataFile:
    """One NAB data file with its labelled windows as row ranges."""

    def __init__(self, root: Path, relative: str, limits: list[list[str]]) -> None:
        self.relative = relative
        with (root / relative).open() as fh:
            rows = list(csv.reader(fh))[1:]
        self.stamps = [r[0] for r in rows]
        self.values = np.array([float(r[1]) for r in rows])
        times = np.array(self.stamps, dtype="datetime64[s]")
        self.seconds = times.astype(np.int64).astype(np.float64)
        self.windows: list[tuple[int, int]] = []
        for start, end in limits:
            left = int(np.searchsorted(times, np.datetime64(start[:19]), side="left"))
            right = int(np.searchsorted(times, np.datetime64(end[:19]), side="right")) - 1
            self.windows.append((left, right))
        self.label = np.zeros(len(rows), dtype=np.int64)
        for left, right in self.windows:
            self.label[left : right + 1] = 1


def preprod_scores(f: DataFile) -> NDArray[np.float64]:
    """Stream the file through our detector, warm-up = NAB's probationary period."""
    detector = Detector(DetectorConfig(warmup=probation_length(len(f.values))))
    update = detector.update
    return np.array(
        [
            update(t, v).anomaly_score
            for t, v in zip(f.seconds.tolist(), f.values.tolist(), strict=True)
        ]
    )


def windowed_gaussian_scores(f: DataFile) -> NDArray[np.float64]:
    """NAB's windowedGaussian detector: window 1000, step 1, Gaussian probability of the value."""
    x, n = f.values, len(f.values)
    mean, std = np.zeros(n), np.ones(n)
    for i in range(1, min(n, GAUSSIAN_WINDOW + 1)):
        mean[i], std[i] = x[:i].mean(), x[:i].std()
    if n > GAUSSIAN_WINDOW + 1:
        view = sliding_window_view(x[:-1], GAUSSIAN_WINDOW)[1:]
        for lo in range(0, len(view), 4096):
            chunk = view[lo : lo + 4096]
            at = GAUSSIAN_WINDOW + 1 + lo
            mean[at : at + len(chunk)] = chunk.mean(axis=1)
            std[at : at + len(chunk)] = chunk.std(axis=1)
    std = np.where(std == 0.0, 1e-6, std)
    out = ndtr((x - mean) / std)  # the normal CDF, as in NAB's published windowedGaussian results
    out[0] = 0.0
    return out


def null_scores(f: DataFile) -> NDArray[np.float64]:
    return np.zeros(len(f.values))


def perfect_scores(f: DataFile) -> NDArray[np.float64]:
    out = np.zeros(len(f.values))
    for left, _ in f.windows:
        out[left] = 1.0
    return out


DETECTORS: dict[str, Callable[[DataFile], NDArray[np.float64]]] = {
    "preprod": preprod_scores,
    "windowedGaussian": windowed_gaussian_scores,
    "null": null_scores,
    "perfect": perfect_scores,
}


def write_results(results: Path, name: str, f: DataFile, scores: NDArray[np.float64]) -> None:
    """NAB's results layout: `<results>/<detector>/<category>/<detector>_<file>.csv`."""
    category, filename = f.relative.split("/")
    path = results / name / category / f"{name}_{filename}"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["timestamp", "value", "anomaly_score", "label"])
        out.writerows(
            zip(f.stamps, f.values.tolist(), scores.tolist(), f.label.tolist(), strict=True)
        )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run every detector over the corpus, score it, print and return the figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.nab")
    parser.add_argument("--data", type=Path, default=NAB)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv or [])
    limits = json.loads((args.data / "labels" / "combined_windows.json").read_text())
    files = [DataFile(args.data / "data", rel, limits[rel]) for rel in sorted(limits)]
    weights = [file_weights(len(f.values), f.windows, STANDARD) for f in files]
    windows = sum(len(f.windows) for f in files)
    raw: dict[str, tuple[float, float]] = {}
    per_file: dict[str, dict[str, float]] = {}
    timings: dict[str, float] = {}
    for name, run in DETECTORS.items():
        started = time.perf_counter()
        scored: list[tuple[NDArray[np.float64], FileWeights]] = []
        for f, fw in zip(files, weights, strict=True):
            scores = run(f)
            write_results(args.results, name, f, scores)
            scored.append((scores, fw))
        timings[name] = round(time.perf_counter() - started, 2)
        raw[name] = sweep(scored, STANDARD)
        per_file[name] = {
            f.relative: score_file(s, fw, raw[name][0], STANDARD)["score"]
            for f, (s, fw) in zip(files, scored, strict=True)
        }
    null = raw["null"][1]
    standard = {
        name: round(normalise(r, null, windows, STANDARD), 1) for name, (_, r) in raw.items()
    }
    figures: dict[str, Any] = {
        "profile": "standard",
        "files": len(files),
        "points": int(sum(len(f.values) for f in files)),
        "windows": windows,
        "score": standard,
        "threshold": {name: t for name, (t, _) in raw.items()},
        "raw": {name: round(r, 3) for name, (_, r) in raw.items()},
        "seconds": timings,
        "published": PUBLISHED,
        "results": str(args.results),
    }
    (args.results / "scores.json").write_text(
        json.dumps(figures | {"per_file": per_file}, indent=2)
    )
    for name, value in standard.items():
        print(f"{name:>18}: {value:6.1f}  (threshold {raw[name][0]:.4g}, {timings[name]} s)")
    for name, value in PUBLISHED.items():
        print(f"{name + ' (published)':>30}: {value:6.1f}")
    return figures


if __name__ == "__main__":
    main()
