"""The statistics under the regression judge: outliers, a Hodges–Lehmann interval, effect sizes.

Pure numpy/scipy on float arrays; callers silence floating-point warnings (``np.errstate``) because
arbitrary finite samples may overflow, and an overflow must give a "pass", never an exception.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Effect = Literal["mean", "median", "p95"]
Array = NDArray[np.float64]

# Above this many candidate × baseline pairs, both samples are thinned to evenly spaced order
# statistics before the pairwise differences are formed (a 2000 × 2000 comparison stays ~8 MB).
MAX_PAIRS = 1_000_000
# Relative spread of the deterministic noise given to two constant series (as Kayenta does).
JITTER = 1e-6


@dataclass(frozen=True)
class Shift:
    """The Hodges–Lehmann shift of candidate over baseline, its interval and the U test's p."""

    p_value: float
    estimate: float
    low: float
    high: float


def finite(values: Sequence[float] | Array) -> Array:
    """The finite values of a sample (NaN and infinities dropped, like Kayenta's "remove")."""
    array = np.asarray(values, dtype=np.float64).ravel()
    return array[np.isfinite(array)]


def remove_outliers(values: Array, factor: float) -> Array:
    """Values inside [Q1 − factor·IQR, Q3 + factor·IQR] (Kayenta's IQR rule)."""
    if values.size == 0:
        return values
    q1, q3 = np.percentile(values, [25.0, 75.0])
    spread = factor * (q3 - q1)
    return values[(values >= q1 - spread) & (values <= q3 + spread)]


def jitter(values: Array, seed: int) -> Array:
    """A constant series with tiny deterministic Gaussian noise, so rank tests can order it."""
    scale = abs(float(values[0])) * JITTER or JITTER
    noise = np.random.default_rng(seed).normal(0.0, scale, values.size)
    return values + noise


def statistic(values: Array, effect: Effect) -> float:
    """The sample's mean, median or 95th percentile."""
    if effect == "mean":
        return float(np.mean(values))
    if effect == "median":
        return float(np.median(values))
    return float(np.percentile(values, 95.0))


def ratio(candidate: float, baseline: float) -> float:
    """Candidate ÷ baseline; from a zero baseline, 1 if the candidate is zero too, else ±inf."""
    if baseline == 0.0:
        return 1.0 if candidate == 0.0 else math.copysign(math.inf, candidate)
    return candidate / baseline


def _thin(sorted_values: Array, size: int) -> Array:
    if size >= sorted_values.size:
        return sorted_values
    return sorted_values[np.round(np.linspace(0, sorted_values.size - 1, size)).astype(np.intp)]


def shift(candidate: Array, baseline: Array, confidence: float) -> Shift:
    """Two-sided Mann–Whitney U p-value; Hodges–Lehmann shift with its distribution-free interval.

    The interval is (D₍c₎, D₍nm+1−c₎) of the ordered pairwise differences D = candidate − baseline,
    with c = ⌊nm/2 − z·√(nm(n+m+1)/12)⌋ (normal approximation, no tie correction: slightly wide,
    so conservative). When c < 1 the samples are too small for that confidence: infinite interval.
    Large samples are thinned deterministically and the ranks are taken at the same fractions.
    """
    from scipy import stats  # half a second to import: only when a judge runs

    n, m = candidate.size, baseline.size
    p_value = float(stats.mannwhitneyu(candidate, baseline, alternative="two-sided").pvalue)
    total = n * m
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    c = math.floor(total / 2.0 - z * math.sqrt(total * (n + m + 1) / 12.0))

    keep_n = min(n, max(1, math.isqrt(MAX_PAIRS * n // m)))
    keep_m = min(m, max(1, MAX_PAIRS // keep_n))
    diffs = np.subtract.outer(_thin(np.sort(candidate), keep_n), _thin(np.sort(baseline), keep_m))
    diffs = diffs.ravel()
    scale = (diffs.size - 1) / (total - 1) if total > 1 else 0.0

    def index(rank0: int) -> int:
        return round(rank0 * scale)

    middle = [index((total - 1) // 2), index(total // 2)]
    bounds = [index(c - 1), index(total - c)] if c >= 1 else []
    ordered = np.partition(diffs, sorted(set(middle + bounds)))
    estimate = float((ordered[middle[0]] + ordered[middle[1]]) / 2.0)
    if not bounds:
        return Shift(p_value, estimate, -math.inf, math.inf)
    return Shift(p_value, estimate, float(ordered[bounds[0]]), float(ordered[bounds[1]]))
