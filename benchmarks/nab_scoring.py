"""NAB's standard-profile scorer, vectorised, following numenta/NAB's `sweeper.py` and `runner.py`.

Per point (`Sweeper.calcSweepScore`): the first `min(floor(0.15 n), 0.15 * 5000)` rows are the
probationary period and are not scored. Inside a window `[L, R]` of width `w = R - L + 1` a
detection at row `i` is worth `A_TP * S(-(R - i + 1) / w) / S(-1)`, where `S(x) = 2 / (1 + e^(5x))
- 1` (and `S(x) = -1` for `x >= 3`); outside, a detection costs `A_FP * S(|i - R_prev| / (w_prev -
1))` after the last window, or `-A_FP` before any window. Only the earliest detection of a window
counts (the window's part is the maximum over its detections); an undetected window costs `-A_FN`.

One threshold per detector (`optimizer.optimizeThreshold` over `Sweeper.calcScoreByThreshold`):
every distinct anomaly score of the corpus (and 1.1, no detection at all) is tried, a row is a
detection when its score is `>=` the threshold, and the threshold with the highest corpus total
wins. The total is normalised as in `Runner.normalize`: `100 * (raw - null) / (perfect - null)`
with `perfect` the number of labelled windows times `A_TP` and `null` the raw score of a detector
that never alerts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

STANDARD = {"tpWeight": 1.0, "fpWeight": 0.11, "fnWeight": 1.0, "tnWeight": 1.0}
PROBATION_PERCENT = 0.15
NO_DETECTION = 1.1  # NAB's starting threshold: no row is a detection


def probation_length(n: int, percent: float = PROBATION_PERCENT) -> int:
    """Rows at the start of a file that NAB does not score (`Sweeper._getProbationaryLength`)."""
    return int(min(math.floor(percent * n), percent * 5000))


def scaled_sigmoid(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """NAB's `scaledSigmoid`: 0.987 at the left edge of a window, 0 at its right, -1 far after."""
    with np.errstate(over="ignore"):
        out = 2.0 / (1.0 + np.exp(5.0 * x)) - 1.0
    return np.where(x >= 3.0, -1.0, out)


@dataclass
class FileWeights:
    """What a detection at each scorable row of one file is worth."""

    weight: NDArray[np.float64]  # sweep score of a detection at each row
    window: NDArray[np.int64]  # window number of the row, -1 outside any window
    scored: NDArray[np.bool_]  # False in the probationary period
    windows: int = 0
    names: list[str] = field(default_factory=list)


def file_weights(n: int, windows: list[tuple[int, int]], cost: dict[str, float]) -> FileWeights:
    """Per-row sweep scores of one file with its windows as inclusive row ranges."""
    idx = np.arange(n, dtype=np.float64)
    weight = np.full(n, -cost["fpWeight"])  # before any window: scaledSigmoid(3.0) * A_FP
    window = np.full(n, -1, dtype=np.int64)
    max_tp = float(scaled_sigmoid(np.array([-1.0]))[0])
    for k, (left, right) in enumerate(windows):
        width = right - left + 1.0
        inside = slice(left, right + 1)
        weight[inside] = scaled_sigmoid(-(right - idx[inside] + 1.0) / width) * cost["tpWeight"]
        weight[inside] /= max_tp
        window[inside] = k
        end = windows[k + 1][0] if k + 1 < len(windows) else n
        after = slice(right + 1, end)
        weight[after] = (
            scaled_sigmoid(np.abs(right - idx[after]) / (width - 1.0)) * cost["fpWeight"]
        )
    scored = idx >= probation_length(n)
    counted = {int(w) for w in window[scored] if w >= 0}
    return FileWeights(weight, window, scored, windows=len(counted))


def _events(
    scores: NDArray[np.float64], fw: FileWeights, cost: dict[str, float]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(anomaly score, change of the total) for every scorable row of one file."""
    keep = fw.scored
    s, w, win = scores[keep], fw.weight[keep], fw.window[keep]
    outside = win < 0
    ev_s, ev_d = [s[outside]], [w[outside]]
    for k in np.unique(win[~outside]):
        rows = win == k
        order = np.argsort(-s[rows], kind="stable")
        best = np.maximum.accumulate(w[rows][order])  # earliest detection so far counts
        delta = np.diff(best, prepend=-cost["fnWeight"])
        ev_s.append(s[rows][order])
        ev_d.append(delta)
    return np.concatenate(ev_s), np.concatenate(ev_d)


def sweep(
    files: list[tuple[NDArray[np.float64], FileWeights]], cost: dict[str, float]
) -> tuple[float, float]:
    """The corpus threshold with the best raw score, and that score."""
    parts = [_events(scores, fw, cost) for scores, fw in files]
    s = np.concatenate([p[0] for p in parts])
    d = np.concatenate([p[1] for p in parts])
    base = -cost["fnWeight"] * sum(fw.windows for _, fw in files)
    order = np.argsort(-s, kind="stable")
    s, total = s[order], base + np.cumsum(d[order])
    last_of_tie = np.append(s[1:] != s[:-1], True)
    thresholds = np.append(NO_DETECTION, s[last_of_tie])
    totals = np.append(base, total[last_of_tie])
    best = int(np.argmax(totals))
    return float(thresholds[best]), float(totals[best])


def score_file(
    scores: NDArray[np.float64], fw: FileWeights, threshold: float, cost: dict[str, float]
) -> dict[str, float]:
    """Raw score and counts of one file at a fixed threshold (`Sweeper.scoreDataSet`)."""
    det = (scores >= threshold) & fw.scored
    fp = det & (fw.window < 0)
    total = float(fw.weight[fp].sum())
    tp_windows = 0
    for k in np.unique(fw.window[fw.scored & (fw.window >= 0)]):
        hit = det & (fw.window == k)
        if hit.any():
            total += float(fw.weight[hit].max())
            tp_windows += 1
        else:
            total -= cost["fnWeight"]
    return {"score": total, "tp": tp_windows, "fn": fw.windows - tp_windows, "fp": int(fp.sum())}


def normalise(raw: float, null: float, windows: int, cost: dict[str, float]) -> float:
    """`Runner.normalize`: 0 for the null detector, 100 for a perfect one."""
    perfect = windows * cost["tpWeight"]
    return 100.0 * (raw - null) / (perfect - null)
