"""What an experiment showed, judged from recorded checks and traffic (pure)."""

from __future__ import annotations

from actions.chaos.outcome import (
    Check,
    Marks,
    error_budget,
    impact,
    judge,
    per_second,
    phase_verdict,
    time_to_detect,
    time_to_recover,
)
from actions.chaos.traffic import Observation
from actions.result import Status

T0 = 1000.0


def checks(spec: list[tuple[float, str, bool | None]]) -> list[Check]:
    return [Check(T0 + at, phase, "p95 < 500", 1.0, holds) for at, phase, holds in spec]  # type: ignore[arg-type]


MARKS = Marks(injected_at=T0 + 5, removed_at=T0 + 15, ended_at=T0 + 25)


def test_detection_is_the_first_failing_check_after_the_first_fault() -> None:
    found = checks([(4, "before", True), (6, "during", True), (8.5, "during", False)])
    assert time_to_detect(found, MARKS) == 3.5
    assert time_to_detect(checks([(6, "during", True)]), MARKS) is None
    assert time_to_detect(found, Marks()) is None


def test_recovery_is_the_first_moment_every_probe_holds_after_the_removal() -> None:
    found = [
        Check(T0 + 16, "recovery", "a", 1, False),
        Check(T0 + 16, "recovery", "b", 1, True),
        Check(T0 + 18, "recovery", "a", 1, True),
        Check(T0 + 18, "recovery", "b", 1, True),
    ]
    assert time_to_recover(found, MARKS) == 3.0
    assert time_to_recover(found[:2], MARKS) is None
    # no data is not a recovery
    assert time_to_recover([Check(T0 + 16, "recovery", "a", None, None)], MARKS) is None


def test_a_phase_holds_only_when_every_judged_check_held() -> None:
    found = checks([(6, "during", True), (7, "during", None), (8, "during", False)])
    verdict = phase_verdict(found, "during")
    assert verdict.held is False and verdict.checks == 2
    assert phase_verdict(found, "before").held is None
    assert phase_verdict(checks([(7, "during", None)]), "during").held is None


def obs(at: float, ms: float, status: int | None) -> Observation:
    return Observation(T0 + at, ms, status, status is None or status >= 500)


def test_the_error_budget_burned_counts_failures_in_the_window_only() -> None:
    seen = [obs(1, 10, 200), obs(6, 10, 503), obs(7, 10, None), obs(8, 10, 200), obs(30, 10, 503)]
    budget = error_budget(seen, T0 + 5, T0 + 25, 0.01)
    assert (budget.requests, budget.failed) == (3, 2)
    assert round(budget.burned_pct or 0) == round(100 * 2 / 0.03)
    assert error_budget([], T0, T0 + 1, 0.01).burned_pct is None


def test_impact_splits_latency_and_errors_by_phase() -> None:
    seen = [obs(t, 20, 200) for t in range(5)] + [obs(5 + t, 320, 200) for t in range(10)]
    seen += [obs(15, 25, 503)]
    found = {(m.name, m.tags["phase"]): m.value for m in impact(seen, MARKS, T0)}
    assert found[("traffic_p95_ms", "before")] == 20
    assert found[("traffic_p95_ms", "during")] == 320
    assert found[("traffic_error_rate_pct", "after")] == 100.0
    assert found[("traffic_error_rate_pct", "during")] == 0.0


def test_per_second_rows_ignore_unanswered_requests_in_latency() -> None:
    rows = per_second([obs(0.1, 10, 200), obs(0.5, 30, 200), obs(0.9, 2000, None)], T0)
    assert len(rows) == 1
    second, p50, p95, errors = rows[0]
    assert second == 0 and p50 in (10, 30) and p95 == 30 and round(errors, 1) == 33.3


def test_judge_passes_only_when_the_hypothesis_held_throughout() -> None:
    held = checks(
        [(4, "before", True), (6, "during", True), (16, "recovery", True), (20, "after", True)]
    )
    assert judge("x", held, MARKS, ending="done").status == Status.PASS

    broke = checks(
        [(4, "before", True), (6, "during", False), (16, "recovery", True), (20, "after", True)]
    )
    verdict = judge("x", broke, MARKS, ending="done")
    assert verdict.status == Status.FAIL
    assert [f.title for f in verdict.findings] == ["x: the steady state broke during the faults"]

    stuck = checks(
        [(4, "before", True), (6, "during", False), (16, "recovery", False), (20, "after", False)]
    )
    verdict = judge("x", stuck, MARKS, ending="done", recovery_s=30)
    assert verdict.status == Status.FAIL
    assert any(
        "did not recover within 30s" in f.title and f.severity == "critical"
        for f in verdict.findings
    )


def test_judge_endings_not_started_aborted_and_stopped() -> None:
    before_broken = checks([(4, "before", False)])
    verdict = judge("x", before_broken, Marks(), ending="not_started")
    assert verdict.status == Status.ERROR and "nothing injected" in verdict.summary

    held = checks(
        [(4, "before", True), (6, "during", True), (16, "recovery", True), (20, "after", True)]
    )
    aborted = judge("x", held, MARKS, ending="aborted", reasons=["guard e > 20 for 2s"])
    assert aborted.status == Status.FAIL and aborted.findings[0].evidence == "guard e > 20 for 2s"
    stopped = judge("x", held, MARKS, ending="stopped", reasons=["chaos stop was asked"])
    assert stopped.status == Status.WARN and "kill switch" in stopped.summary


def test_a_burned_error_budget_is_a_finding_that_warns() -> None:
    held = checks(
        [(4, "before", True), (6, "during", True), (16, "recovery", True), (20, "after", True)]
    )
    seen = [obs(6, 10, 503)] + [obs(7, 10, 200)] * 9
    budget = error_budget(seen, MARKS.injected_at or 0, MARKS.ended_at or 0, 0.01)
    verdict = judge("x", held, MARKS, ending="done", budget=budget)
    assert verdict.status == Status.WARN
    assert "burned 1000% of its error budget" in verdict.findings[0].title


def test_a_rollback_that_failed_fails_the_experiment_whatever_else_held() -> None:
    held = checks(
        [(4, "before", True), (6, "during", True), (16, "recovery", True), (20, "after", True)]
    )
    verdict = judge("x", held, MARKS, ending="done", not_undone=["restore catalog: no answer"])
    assert verdict.status == Status.FAIL
    assert verdict.findings[-1].severity == "critical"
    assert verdict.findings[-1].evidence == "restore catalog: no answer"
