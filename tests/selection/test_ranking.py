"""Smart selection's ranking and budget cut, called directly on data (no process, no disk)."""

from __future__ import annotations

import pytest

from actions.testing.selection import (
    PastRun,
    Risk,
    Weights,
    budget_seconds,
    choose,
    rank,
    select,
)

OUTCOME = {"P": "passed", "F": "failed", "E": "error", "K": "flaky", "S": "skipped"}


def past(outcomes: str, changed: str | None = None, durations: str = "") -> PastRun:
    """`"a:P b:F"` -> a passed, b failed; `changed` is a space-separated list of items."""
    pairs = dict(word.rsplit(":", 1) for word in outcomes.split())
    times = {k: float(v) for k, v in (word.rsplit(":", 1) for word in durations.split())}
    return PastRun(
        outcomes={test: OUTCOME[code] for test, code in pairs.items()},
        durations=times,
        changed=None if changed is None else frozenset(changed.split()),
    )


def order(ranked: list[Risk]) -> list[str]:
    return [r.test_id for r in ranked]


TESTS = ["a", "b", "c"]

# (what it shows, history oldest first, changed items, expected order)
ORDERS = [
    (
        "a test that failed recently comes before one that failed long ago",
        [past("a:F b:P c:P"), *[past("a:P b:P c:P")] * 8, past("a:P b:F c:P")],
        [],
        ["b", "a", "c"],
    ),
    (
        "at equal risk, the cheaper test comes first",
        [past("a:P b:P c:P", durations="a:3 b:1 c:2")],
        [],
        ["b", "c", "a"],
    ),
    (
        "a test that failed when a file changed comes first when it changes again",
        [
            past("a:P b:F c:P", "orders.py"),
            past("a:F b:P c:P", "catalog.py"),
            past("a:P b:F c:P", "orders.py"),
            past("a:F b:P c:P", "search.py"),
            past("a:F b:P c:P", "catalog.py"),
        ],
        ["orders.py"],
        ["b", "a", "c"],
    ),
    (
        "without a failure to learn from, the changed file's name points at its tests",
        [past("test_cart::test_total:P test_orders::test_order_is_placed:P x::test_ping:P")],
        ["shop/orders.py"],
        ["test_orders::test_order_is_placed", "test_cart::test_total", "x::test_ping"],
    ),
]


@pytest.mark.parametrize(
    ("history", "changed", "expected"),
    [case[1:] for case in ORDERS],
    ids=[case[0] for case in ORDERS],
)
def test_ranking_orders_tests_by_risk(
    history: list[PastRun], changed: list[str], expected: list[str]
) -> None:
    tests = sorted({t for run in history for t in run.outcomes})

    assert order(rank(tests, history, changed)) == expected


def test_a_test_whose_outcome_keeps_flipping_comes_before_one_that_broke_once() -> None:
    # the same failures, at the same ages when recency is switched off: only the flips differ
    history = [past("a:F b:F c:P"), past("a:P b:F c:P"), past("a:F b:P c:P"), past("a:P b:P c:P")]

    ranked = rank(TESTS, history, weights=Weights(half_life_runs=1e9))

    assert order(ranked) == ["a", "b", "c"]
    assert ranked[0].flip_rate > ranked[1].flip_rate > 0 == ranked[2].flip_rate


def test_calibrated_names_weigh_a_name_match_by_how_often_matches_failed() -> None:
    # three past releases changed orders.py; the order test never failed in them
    history = [past("test_order:P test_home:P", "orders.py")] * 3
    changed = ["orders.py"]

    fixed = {r.test_id: r.churn for r in rank(["test_order", "test_home"], history, changed)}
    calibrated = {
        r.test_id: r.churn
        for r in rank(
            ["test_order", "test_home"],
            history,
            changed,
            weights=Weights(calibrate_names=True, half_life_runs=1e9),
        )
    }

    assert fixed["test_order"] == pytest.approx(Weights().name_weight)
    # S = (0 hits + 1 x 0.5) / (3 matches + 1)
    assert calibrated["test_order"] == pytest.approx(Weights().name_weight / 4)
    assert calibrated["test_home"] == fixed["test_home"] == 0.0


def test_the_failure_rate_is_smoothed_toward_the_suite_rate() -> None:
    # one run: base rate 1/2; f(a) = (1 + 1 x 0.5) / (1 + 1), f(b) = (0 + 0.5) / 2
    ranked = {r.test_id: r for r in rank(["a", "b"], [past("a:F b:P")])}

    assert ranked["a"].probability == pytest.approx(0.75)
    assert ranked["b"].probability == pytest.approx(0.25)


def test_an_item_every_run_changes_lifts_no_test() -> None:
    history = [past("a:F b:P", "VERSION"), past("a:P b:P", "VERSION"), past("a:P b:P", "VERSION")]

    with_version = rank(["a", "b"], history, ["VERSION"])
    without = rank(["a", "b"], history, [])

    assert [r.churn for r in with_version] == [0.0, 0.0]
    assert [r.probability for r in with_version] == [r.probability for r in without]


def test_runs_of_unknown_churn_teach_no_association() -> None:
    history = [past("a:F b:P"), past("a:F b:P")]  # changed=None: unknown

    [first, _] = rank(["a", "b"], history, ["orders.py"])

    assert first.test_id == "a"
    assert first.churn == 0.0


def test_the_config_map_ties_a_changed_path_to_tests() -> None:
    history = [past("e2e.test_shop::test_pay:P e2e.test_shop::test_browse:P")]
    test_map = {"billing/*.py": ["*pay*"]}

    ranked = rank(
        ["e2e.test_shop::test_browse", "e2e.test_shop::test_pay"],
        history,
        ["billing/ledger.py"],
        test_map=test_map,
    )

    assert order(ranked)[0] == "e2e.test_shop::test_pay"
    assert ranked[0].churn == pytest.approx(Weights().map_weight)
    assert ranked[0].because == "mapped to billing/ledger.py"


def test_a_new_test_gets_the_suite_rate_and_the_median_duration() -> None:
    history = [past("a:F b:P", durations="a:2 b:4")]

    [new] = [r for r in rank(["a", "b", "new"], history) if r.test_id == "new"]

    assert new.failure_rate == pytest.approx(0.5)
    assert new.duration_s == pytest.approx(3.0)
    assert new.because == "no history"


def risk(test_id: str, p: float, duration_s: float) -> Risk:
    return Risk(test_id, p, p, 0.0, 0.0, duration_s)


# (what it shows, budget in seconds, expected chosen, expected skipped)
CUTS = [
    ("everything fits", 10.0, ["a", "b", "c", "d"], []),
    (
        "a test that does not fit is skipped; a cheaper one after it still fits",
        3.0,
        ["a", "b", "d"],
        ["c"],
    ),
    ("the riskiest test always runs, even over budget", 0.5, ["a"], ["b", "c", "d"]),
    ("without a budget everything runs", None, ["a", "b", "c", "d"], []),
]


@pytest.mark.parametrize(
    ("budget_s", "chosen", "skipped"), [c[1:] for c in CUTS], ids=[c[0] for c in CUTS]
)
def test_the_budget_cuts_the_ranking(
    budget_s: float | None, chosen: list[str], skipped: list[str]
) -> None:
    ranked = [risk("a", 0.9, 1.0), risk("b", 0.5, 1.0), risk("c", 0.3, 5.0), risk("d", 0.1, 1.0)]

    selection = select(ranked, budget_s)

    assert [r.test_id for r in selection.chosen] == chosen
    assert [r.test_id for r in selection.skipped] == skipped


def test_the_risk_left_is_the_sum_of_the_skipped_probabilities() -> None:
    ranked = [risk("a", 0.9, 1.0), risk("b", 0.5, 1.0), risk("c", 0.3, 5.0), risk("d", 0.1, 1.0)]

    selection = select(ranked, 1.0)

    assert selection.risk_left == pytest.approx(0.5 + 0.3 + 0.1)
    assert selection.estimated_s == pytest.approx(1.0)


def test_with_no_history_every_test_runs_and_it_says_so() -> None:
    selection = choose(["a", "b"], [], ["orders.py"], budget="1s")

    assert len(selection.chosen) == 2
    assert selection.skipped == ()
    assert selection.note == "no test history yet, so every test runs"


def test_a_budget_is_a_duration_or_a_share_of_the_expected_suite_time() -> None:
    ranked = [risk("a", 0.9, 4.0), risk("b", 0.5, 6.0)]

    assert budget_seconds("2m", ranked) == 120.0
    assert budget_seconds("40%", ranked) == pytest.approx(4.0)
    with pytest.raises(ValueError, match="within"):
        budget_seconds("0%", ranked)


def test_choose_cuts_at_a_share_of_the_history_durations() -> None:
    history = [past("a:F b:P c:P", durations="a:1 b:1 c:2")]

    selection = choose(["a", "b", "c"], history, budget="50%")

    assert [r.test_id for r in selection.chosen] == ["a", "b"]
    assert [r.test_id for r in selection.skipped] == ["c"]
