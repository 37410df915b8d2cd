"""The quality gate: SLO scoring in the spirit of Keptn, and the verdict with its reasons."""

from __future__ import annotations

import pytest

from actions.config import SLO, GateConfig
from actions.report.criteria import parse_criterion
from actions.report.gate import GO, GO_WITH_RISK, NO_GO, evaluate, find_measurement
from actions.result import Measurement, Result, Status

GATE = GateConfig()


def _load(p95: float, errors: float = 0.0, endpoint_p95: float | None = None) -> Result:
    ms = [
        Measurement(name="p95_ms", value=p95, unit="ms", tags={"endpoint": "Aggregated"}),
        Measurement(name="error_rate_pct", value=errors, unit="%", tags={"endpoint": "Aggregated"}),
    ]
    if endpoint_p95 is not None:
        ms.append(
            Measurement(name="p95_ms", value=endpoint_p95, unit="ms", tags={"endpoint": "GET /p"})
        )
    return Result(step="load", status=Status.PASS, summary="load ran", measurements=ms)


def _slo(**kw: object) -> SLO:
    return SLO.model_validate({"name": "p95", "metric": "load.p95_ms", "objective": "< 300", **kw})


@pytest.mark.parametrize(
    ("text", "value", "baseline", "holds"),
    [
        ("< 300", 299, None, True),
        ("< 300", 300, None, False),
        ("<= 1%", 1.0, None, True),
        ("< 0.3s", 250, None, True),
        (">= 95", 94.9, None, False),
        ("<= +10%", 110, 100, True),
        ("<= +10%", 111, 100, False),
        (">= -5%", 96, 100, True),
        ("<= +10%", 100, None, None),
        ("<= +10%", 100, 0, None),
    ],
)
def test_criteria(text: str, value: float, baseline: float | None, holds: bool | None) -> None:
    assert parse_criterion(text).holds(value, baseline) is holds


def test_a_signed_percentage_is_relative_and_a_plain_one_absolute() -> None:
    assert parse_criterion("<= +10%").relative
    assert not parse_criterion("<= 10%").relative


@pytest.mark.parametrize("bad", ["", "300", "< fast", "<< 3", "< 3 apples"])
def test_malformed_criteria_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a criterion"):
        parse_criterion(bad)


def test_all_objectives_met_is_go_with_full_score() -> None:
    outcome = evaluate([_load(120)], [_slo()], GATE)
    assert (outcome.verdict, outcome.score, outcome.status) == (GO, 100.0, "pass")
    assert outcome.reasons[0].startswith("every step passed")


def test_warning_earns_half_the_weight() -> None:
    slos = [
        _slo(warning="< 500"),
        _slo(name="errors", metric="load.error_rate_pct", objective="< 1"),
    ]
    outcome = evaluate([_load(400)], slos, GATE)
    assert outcome.score == 75.0
    assert outcome.status == "warn"
    assert outcome.verdict == GO_WITH_RISK


def test_weights_shape_the_total() -> None:
    slos = [_slo(weight=3), _slo(name="errors", metric="load.error_rate_pct", objective="< 1")]
    outcome = evaluate([_load(100, errors=5)], slos, GATE)
    assert outcome.score == 75.0


def test_a_failed_key_objective_fails_the_gate_whatever_the_score() -> None:
    slos = [_slo(key=True)] + [
        _slo(name=f"e{i}", metric="load.error_rate_pct", objective="< 1") for i in range(9)
    ]
    outcome = evaluate([_load(900)], slos, GATE)
    assert outcome.score == 90.0
    assert outcome.status == "fail"
    assert outcome.verdict == NO_GO
    assert any(r.startswith("key SLO failed: p95") for r in outcome.reasons)


def test_no_data_for_a_key_objective_is_a_failure() -> None:
    outcome = evaluate([], [_slo(key=True)], GATE)
    assert outcome.objectives[0].status == "nodata"
    assert outcome.verdict == NO_GO
    assert "no data" in outcome.reasons[0]


def test_a_failed_step_is_no_go_even_when_slos_pass() -> None:
    e2e = Result(step="e2e", status=Status.FAIL, summary="9 passed, 1 failed")
    outcome = evaluate([_load(100), e2e], [_slo()], GATE)
    assert outcome.verdict == NO_GO
    assert outcome.reasons[0] == "e2e failed: 9 passed, 1 failed"


def test_a_step_that_could_not_run_is_no_go() -> None:
    outcome = evaluate(
        [Result(step="load", status=Status.ERROR, summary="locust missing")], [], GATE
    )
    assert outcome.reasons == ["load could not run: locust missing"]


def test_skipped_steps_do_not_change_the_verdict() -> None:
    skipped = Result(step="scan", status=Status.SKIPPED, summary="not available")
    assert evaluate([_load(100), skipped], [_slo()], GATE).verdict == GO


def test_an_endpoint_objective_reads_that_endpoint_only() -> None:
    slo = _slo(endpoint="GET /p")
    assert find_measurement([_load(100, endpoint_p95=450)], slo).value == 450
    assert evaluate([_load(100, endpoint_p95=450)], [slo], GATE).objectives[0].status == "fail"


def test_without_endpoint_the_aggregate_is_used() -> None:
    assert find_measurement([_load(100, endpoint_p95=450)], _slo()).value == 100


def test_relative_objective_uses_the_baseline() -> None:
    result = _load(115)
    result.measurements[0].baseline = 100
    outcome = evaluate([result], [_slo(objective="<= +10%", warning="<= +20%")], GATE)
    assert outcome.objectives[0].status == "warn"
