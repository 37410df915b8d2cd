"""Evidence: the run's facts numbered E1..En, most important first, redacted, within a budget."""

from __future__ import annotations

import json

from actions.insight.evidence import (
    Evidence,
    build_evidence,
    change_pct,
    evidence_block,
    item_json,
)
from actions.result import Finding, Measurement, Result, Severity, Status
from tests.insight import INJECTION, PLACEHOLDER, SECRET, failed_run, mined_logs, run_events


def _evidence(budget: int = 6000) -> Evidence:
    return build_evidence(
        failed_run(), mined=mined_logs(), events=run_events(), budget_tokens=budget
    )


def test_items_are_numbered_e1_to_en_in_order_of_importance() -> None:
    evidence = _evidence()
    assert [i.id for i in evidence.items] == [f"E{n}" for n in range(1, len(evidence.items) + 1)]
    weights = [i.weight for i in evidence.items]
    assert weights == sorted(weights, reverse=True)


def test_the_failed_step_and_its_finding_come_before_passing_steps_and_info_logs() -> None:
    evidence = _evidence()
    first = evidence.items[0]
    assert (first.kind, first.step, first.level) == ("step", "e2e", "fail")
    kinds = [(i.kind, i.level) for i in evidence.items]
    assert kinds.index(("finding", "high")) < kinds.index(("step", "pass"))
    assert kinds.index(("log_template", "error")) < kinds.index(("log_template", "info"))


def test_measurements_with_a_baseline_become_metric_deltas_and_noise_is_left_out() -> None:
    deltas = [i for i in _evidence().items if i.kind == "metric_delta"]
    assert len(deltas) == 1  # error_rate_pct equals its baseline
    assert deltas[0].change_pct == 222.4
    assert deltas[0].service == "storefront"
    assert "386.9ms against baseline 120ms (+222%)" in deltas[0].title


def test_change_against_a_zero_baseline_is_a_full_step() -> None:
    assert change_pct(5.0, 0.0) == 100.0
    assert change_pct(0.0, 0.0) == 0.0
    assert change_pct(50.0, 100.0) == -50.0


def test_a_correlation_points_at_the_evidence_id_of_its_log_template() -> None:
    evidence = _evidence()
    correlation = next(i for i in evidence.items if i.level == "correlation")
    template = next(i for i in evidence.items if i.title.startswith("log template T1"))
    assert correlation.related == (template.id,)


def test_suspects_and_events_are_items() -> None:
    evidence = _evidence()
    suspect = next(i for i in evidence.items if i.kind == "suspect")
    assert suspect.service == "catalog"
    assert "p95 rose 3x" in suspect.text
    warning = next(i for i in evidence.items if i.kind == "event" and i.level == "warning")
    assert "policy storefront-latency" in warning.text


def test_the_evidence_fits_its_budget_and_says_how_much_was_left_out() -> None:
    full = _evidence()
    small = _evidence(budget=250)
    assert small.tokens() <= 250
    assert small.omitted == len(full.items) - len(small.items) > 0
    assert small.items[0].title == full.items[0].title  # the most important stays


def test_within_keeps_ids_and_drops_references_to_items_cut_out() -> None:
    full = _evidence()
    cut = full.within(full.tokens() // 2)
    assert all(full.get(i.id) is not None for i in cut.items)
    assert all(ref in cut.ids for i in cut.items for ref in i.related)
    assert cut.omitted == len(full.items) - len(cut.items)


def test_a_secret_in_a_finding_an_event_or_a_log_line_is_redacted() -> None:
    events = [*run_events(), {"at": "t", "kind": "step", "message": f"token={SECRET}"}]
    evidence = build_evidence(
        failed_run(),
        mined=mined_logs(example=f"login api_key={SECRET}"),
        events=events,
        budget_tokens=6000,
    )
    block = evidence_block(evidence)
    assert SECRET not in block
    assert PLACEHOLDER.search(block)


def test_a_long_text_is_redacted_before_it_is_cut() -> None:
    finding = Finding(
        severity=Severity.HIGH, title="boom", evidence="x" * 580 + f" password={SECRET}"
    )
    result = Result(step="e2e", status=Status.FAIL, summary="failed", findings=[finding])
    evidence = build_evidence([result], mined=None, events=[], budget_tokens=6000)
    text = next(i.text for i in evidence.items if i.kind == "finding")
    assert len(text) <= 600
    assert "hunter" not in text


def test_markup_in_a_log_line_is_escaped_so_it_cannot_close_the_evidence_block() -> None:
    evidence = build_evidence(
        failed_run(), mined=mined_logs(example=INJECTION), events=[], budget_tokens=6000
    )
    block = evidence_block(evidence)
    assert "<" not in block and ">" not in block
    line = next(item_json(i) for i in evidence.items if i.kind == "log_template")
    assert "</evidence>" in json.loads(line)["text"]  # still there, as data


def test_the_same_run_gives_the_same_evidence() -> None:
    assert _evidence() == _evidence()


def test_a_run_without_mined_logs_or_events_still_has_evidence() -> None:
    evidence = build_evidence(failed_run(), mined=None, events=[], budget_tokens=6000)
    assert {i.kind for i in evidence.items} == {"step", "finding", "metric_delta"}


def test_measurements_of_a_failing_step_without_baseline_are_kept_low() -> None:
    result = Result(
        step="load",
        status=Status.FAIL,
        summary="p95 over objective",
        measurements=[Measurement(name="p95_ms", value=900, unit="ms", tags={"endpoint": "/p"})],
    )
    evidence = build_evidence([result], mined=None, events=[], budget_tokens=6000)
    measurement = next(i for i in evidence.items if i.kind == "measurement")
    assert measurement.title == "load.p95_ms [/p]: 900ms"
    assert measurement.weight < evidence.items[0].weight
