"""Smart test selection: the e2e tests most likely to fail run first, the rest within a budget.

Pure: past runs, the candidate's churn and durations in; an ordered selection out.

For a test t and the app's past runs r = 1..n (oldest first; age a_r = n - r), with
`fail_r(t)` = 1 if t failed or errored in r, 1/2 if it was flaky, 0 if it passed (runs where t
did not run are left out), and k = `prior_runs`:

    w_r      = 2^(-a_r / H)                                  recency, H = `half_life_runs`
    base     = sum_t,r w_r fail_r(t) / sum_t,r w_r            the suite's failure rate (the prior)
    f(t)     = (sum_r w_r fail_r(t) + k base) / (sum_r w_r + k)
    phi(t)   = sum_r w_r flip_r(t) / (sum_r w_r + k)          flip_r: t flaky in r, or its
                                                              pass/fail state changed since its
                                                              previous run

Churn: the candidate's changed items C (files, and `file::symbol` for the functions and module
names whose lines changed) against its baseline; for each c in C:

    learned(t, c) = max(0, (P_c - P_not_c) / (1 - P_not_c)), where over the past runs of known
                    churn that changed c (P_c) or did not (P_not_c)
                      P_x = (sum_{r in x} w_r fail_r(t) + k' f) / (sum_{r in x} w_r + k'),
                      k' = `association_prior_runs`;
                    the lift of t's failure rate when c changed. 0 when no run left c alone
                    (an item every release changes, such as VERSION, tells nothing).
    name(t, c)    = |tokens(c) & tokens(t)| / |tokens(c)|     e.g. `orders.py` and
                    `test_order_total` share `order`; tokens are split on non-letters and
                    camelCase, stemmed (`placed` ~ `place`), stop words dropped.
    mapped(t, c)  = 1 if c matches a glob of the config's map and t one of its test patterns.

    churn(t) = max over c of max(learned(t, c), S name(t, c), M mapped(t, c))
               S = `name_weight` (or, with `calibrate_names`, the similarity-weighted share of
               name-matched tests that failed in past runs), M = `map_weight`
    p(t)     = 1 - (1 - f(t)) (1 - churn(t)) (1 - F phi(t))    F = `flip_weight`

p(t) is read as the probability that t fails on the candidate; on the recorded benchmark
history it overstates (benchmarks/test_selection.py reports by how much). Tests run by p
descending, then by expected duration ascending (cheap first at equal risk), then id. Within a
budget in seconds, the walk takes each test whose expected duration still fits (always the
first) and skips the others; the risk left is the sum of the skipped tests' p. Expected
duration: the recency-weighted mean of a test's past durations, else the median of the others.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from actions.durations import parse_duration
from actions.testing.churn import mapped, name_similarity

FAIL_WEIGHT = {"failed": 1.0, "error": 1.0, "flaky": 0.5, "passed": 0.0}
"""How much each stored outcome counts as a failure; other outcomes (skipped) are left out."""
DEFAULT_DURATION_S = 1.0


@dataclass(frozen=True)
class PastRun:
    """One past e2e run: each test's stored outcome and duration, and what had changed."""

    outcomes: Mapping[str, str]
    durations: Mapping[str, float] = field(default_factory=dict)
    changed: frozenset[str] | None = None
    """The changed items against the run's baseline; None when unknown."""


@dataclass(frozen=True)
class Weights:
    half_life_runs: float = 10.0
    prior_runs: float = 1.0
    association_prior_runs: float = 1.0
    name_weight: float = 0.5
    calibrate_names: bool = False
    """Use the history's name-match hit rate for S (with `name_weight` as its prior) instead."""
    map_weight: float = 0.9
    flip_weight: float = 0.5


@dataclass(frozen=True)
class Risk:
    """How likely a test is to fail on the candidate, and why."""

    test_id: str
    probability: float
    failure_rate: float
    flip_rate: float
    churn: float
    duration_s: float
    because: str = ""


@dataclass(frozen=True)
class Selection:
    """The tests to run, riskiest first, and those left out with the risk they carry."""

    chosen: tuple[Risk, ...]
    skipped: tuple[Risk, ...] = ()
    budget_s: float | None = None
    note: str = ""

    @property
    def risk_left(self) -> float:
        """The expected number of failures among the skipped tests."""
        return sum(r.probability for r in self.skipped)

    @property
    def estimated_s(self) -> float:
        return sum(r.duration_s for r in self.chosen)


def rank(
    tests: Collection[str],
    history: Sequence[PastRun],
    changed: Collection[str] = (),
    *,
    weights: Weights | None = None,
    test_map: Mapping[str, Sequence[str]] | None = None,
) -> list[Risk]:
    """Every test with its risk, riskiest first (see the module's formula)."""
    w = weights or Weights()
    n = len(history)
    recency = [2.0 ** (-(n - 1 - i) / w.half_life_runs) for i in range(n)]
    base = _base_rate(history, recency)
    typical = _typical_duration(history, recency)
    name_scale = _name_hit_rate(history, recency, w) if w.calibrate_names else w.name_weight
    ranked = []
    for test in tests:
        runs = [
            (weight, FAIL_WEIGHT[run.outcomes[test]], run)
            for weight, run in zip(recency, history, strict=True)
            if run.outcomes.get(test) in FAIL_WEIGHT
        ]
        seen = sum(weight for weight, _, _ in runs)
        f = (sum(weight * fail for weight, fail, _ in runs) + w.prior_runs * base) / (
            seen + w.prior_runs
        )
        phi = _flips(runs) / (seen + w.prior_runs)
        churn, cause = _churn(test, f, runs, changed, w, name_scale, test_map or {})
        p = 1.0 - (1.0 - f) * (1.0 - churn) * (1.0 - w.flip_weight * phi)
        duration = _duration(test, history, recency, typical)
        because = _because(f, phi, churn, cause, len(runs))
        ranked.append(Risk(test, p, f, phi, churn, duration, because))
    ranked.sort(key=lambda r: (-r.probability, r.duration_s, r.test_id))
    return ranked


def select(ranked: Sequence[Risk], budget_s: float | None) -> Selection:
    """Walk the ranking and keep what fits in the budget (everything without one)."""
    if budget_s is None:
        return Selection(chosen=tuple(ranked))
    chosen: list[Risk] = []
    skipped: list[Risk] = []
    spent = 0.0
    for risk in ranked:
        if not chosen or spent + risk.duration_s <= budget_s:
            chosen.append(risk)
            spent += risk.duration_s
        else:
            skipped.append(risk)
    return Selection(chosen=tuple(chosen), skipped=tuple(skipped), budget_s=budget_s)


def choose(
    tests: Collection[str],
    history: Sequence[PastRun],
    changed: Collection[str] = (),
    *,
    budget: str | float | None = "50%",
    weights: Weights | None = None,
    test_map: Mapping[str, Sequence[str]] | None = None,
) -> Selection:
    """Rank, then cut at the budget; with no history at all, every test runs (and it says so)."""
    ranked = rank(tests, history, changed, weights=weights, test_map=test_map)
    if not any(run.outcomes for run in history):
        return Selection(chosen=tuple(ranked), note="no test history yet, so every test runs")
    if isinstance(budget, str):
        return select(ranked, budget_seconds(budget, ranked))
    return select(ranked, None if budget is None else float(budget))


def budget_seconds(budget: str, ranked: Sequence[Risk]) -> float:
    """Seconds from a duration (`30s`) or a share of the suite's expected duration (`40%`)."""
    text = budget.strip()
    if text.endswith("%"):
        share = float(text[:-1]) / 100.0
        if not 0 < share <= 1:
            raise ValueError(f"{budget!r}: a share of the suite must be within (0%, 100%]")
        return share * sum(r.duration_s for r in ranked)
    return parse_duration(text)


def _base_rate(history: Sequence[PastRun], recency: Sequence[float]) -> float:
    total = failed = 0.0
    for weight, run in zip(recency, history, strict=True):
        for outcome in run.outcomes.values():
            if outcome in FAIL_WEIGHT:
                total += weight
                failed += weight * FAIL_WEIGHT[outcome]
    return failed / total if total else 0.0


def _flips(runs: Sequence[tuple[float, float, PastRun]]) -> float:
    flips, previous = 0.0, None
    for weight, fail, _ in runs:
        state = fail >= 1.0
        if fail == FAIL_WEIGHT["flaky"] or (previous is not None and state != previous):
            flips += weight
        previous = state
    return flips


def _churn(
    test: str,
    f: float,
    runs: Sequence[tuple[float, float, PastRun]],
    changed: Collection[str],
    w: Weights,
    name_scale: float,
    test_map: Mapping[str, Sequence[str]],
) -> tuple[float, str]:
    best, cause = 0.0, ""
    known = [(weight, fail, run.changed) for weight, fail, run in runs if run.changed is not None]
    for item in changed:
        with_item = [(weight, fail) for weight, fail, items in known if item in items]
        without = [(weight, fail) for weight, fail, items in known if item not in items]
        learned = 0.0
        k = w.association_prior_runs
        if with_item and without and (p_without := _rate(without, f, k)) < 1.0:
            learned = max(0.0, (_rate(with_item, f, k) - p_without) / (1.0 - p_without))
        candidates = (
            (learned, f"failed when {item} changed"),
            (name_scale * name_similarity(test, item), f"its name matches {item}"),
            (w.map_weight * mapped(test, item, test_map), f"mapped to {item}"),
        )
        for value, why in candidates:
            if value > best:
                best, cause = value, why
    return best, cause


def _rate(runs: Sequence[tuple[float, float]], f: float, k: float) -> float:
    """A recency-weighted failure rate over some runs, smoothed toward `f` by `k` runs."""
    seen = sum(weight for weight, _ in runs)
    return (sum(weight * fail for weight, fail in runs) + k * f) / (seen + k)


def _name_hit_rate(history: Sequence[PastRun], recency: Sequence[float], w: Weights) -> float:
    """How often a test whose name matched a past run's changes failed in it (similarity-weighted),
    smoothed toward `name_weight`."""
    hits = seen = 0.0
    for weight, run in zip(recency, history, strict=True):
        if not run.changed:
            continue
        for test, outcome in run.outcomes.items():
            if outcome not in FAIL_WEIGHT:
                continue
            similarity = max(name_similarity(test, item) for item in run.changed)
            hits += weight * similarity * FAIL_WEIGHT[outcome]
            seen += weight * similarity
    return (hits + w.prior_runs * w.name_weight) / (seen + w.prior_runs)


def _because(f: float, phi: float, churn: float, cause: str, runs: int) -> str:
    parts = []
    if churn > 0:
        parts.append(cause)
    if runs and f >= 0.05:
        parts.append(f"failure rate {f:.0%}")
    if phi >= 0.05:
        parts.append(f"flips {phi:.0%}")
    if not runs:
        parts.append("no history")
    return "; ".join(parts)


def _typical_duration(history: Sequence[PastRun], recency: Sequence[float]) -> float:
    known = [d for run in history for d in run.durations.values() if d >= 0]
    return statistics.median(known) if known else DEFAULT_DURATION_S


def _duration(
    test: str, history: Sequence[PastRun], recency: Sequence[float], typical: float
) -> float:
    pairs = [
        (weight, run.durations[test])
        for weight, run in zip(recency, history, strict=True)
        if test in run.durations and run.durations[test] >= 0
    ]
    total = sum(weight for weight, _ in pairs)
    return sum(weight * d for weight, d in pairs) / total if total else typical
