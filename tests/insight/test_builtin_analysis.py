"""The built-in analyzer: ranked causes citing their evidence, deterministic, never a verdict."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.insight.analysis import (
    ANALYSIS_SCHEMA,
    Analysis,
    builtin_analysis,
    builtin_summary,
    contradicts_verdict,
    unknown_references,
)
from actions.insight.evidence import Evidence, build_evidence
from actions.result import Finding, Measurement, Result, Severity, Status
from tests.insight import failed_run, mined_logs, run_events


def _evidence() -> Evidence:
    return build_evidence(failed_run(), mined=mined_logs(), events=run_events(), budget_tokens=6000)


def test_the_failed_step_is_the_most_likely_cause_citing_its_finding_and_logs() -> None:
    evidence = _evidence()
    top = builtin_analysis(evidence).causes[0]
    cited = [evidence.get(ref) for ref in top.evidence]
    assert top.title.startswith("e2e fail: test_multi_item_order failed")
    assert top.service == "storefront"
    assert [(i.kind, i.step) for i in cited if i][:2] == [("step", "e2e"), ("finding", "e2e")]
    assert any(i and i.kind == "log_template" for i in cited)


def test_causes_are_ranked_and_every_one_cites_existing_evidence() -> None:
    evidence = _evidence()
    analysis = builtin_analysis(evidence)
    likelihoods = [c.likelihood for c in analysis.causes]
    assert likelihoods == sorted(likelihoods, reverse=True)
    assert unknown_references(analysis, evidence) == []
    assert analysis.source == "built-in"


def test_the_suspect_and_the_correlation_with_an_event_are_causes_too() -> None:
    titles = [c.title for c in builtin_analysis(_evidence()).causes]
    assert any(t.startswith("suspect service catalog") for t in titles)
    assert any(t.startswith("load started at") for t in titles)


def test_the_same_evidence_always_gives_the_same_text() -> None:
    assert builtin_analysis(_evidence()).model_dump_json() == (
        builtin_analysis(_evidence()).model_dump_json()
    )


def test_corroborated_evidence_gives_high_confidence_and_concrete_checks() -> None:
    analysis = builtin_analysis(_evidence())
    assert analysis.confidence == "high"
    assert "Re-run the failing e2e tests and read their output (E1)." in analysis.next_checks
    assert any("logs of storefront" in check for check in analysis.next_checks)
    assert "Most likely cause: e2e fail" in analysis.summary


def test_a_passing_run_has_no_cause_and_low_confidence() -> None:
    results = [Result(step="e2e", status=Status.PASS, summary="8 passed")]
    evidence = build_evidence(results, mined=None, events=[], budget_tokens=6000)
    analysis = builtin_analysis(evidence)
    assert (analysis.causes, analysis.confidence) == ([], "low")
    assert "No step failed or warned" in analysis.summary


def test_no_evidence_at_all_is_said_plainly() -> None:
    analysis = builtin_analysis(Evidence())
    assert analysis.summary.startswith("No evidence was collected")


def test_a_serious_finding_of_a_passing_step_is_a_cause_of_its_own() -> None:
    finding = Finding(severity=Severity.CRITICAL, title="secret in source", service="catalog")
    results = [Result(step="scan", status=Status.PASS, summary="scanned", findings=[finding])]
    evidence = build_evidence(results, mined=None, events=[], budget_tokens=6000)
    assert [c.title for c in builtin_analysis(evidence).causes] == ["secret in source"]


@given(
    statuses=st.lists(st.sampled_from(list(Status)), min_size=0, max_size=5),
    severities=st.lists(st.sampled_from(list(Severity)), max_size=4),
    values=st.lists(st.floats(0, 1e4, allow_nan=False), max_size=4),
    budget=st.integers(0, 3000),
)
def test_whatever_the_run_every_cause_cites_evidence_that_exists(
    statuses: list[Status], severities: list[Severity], values: list[float], budget: int
) -> None:
    results = [
        Result(
            step=f"s{n}",
            status=status,
            summary="x",
            findings=[
                Finding(severity=s, title=f"f{m}", service="a") for m, s in enumerate(severities)
            ],
            measurements=[
                Measurement(name="p95_ms", value=v, baseline=100.0, tags={"endpoint": "a"})
                for v in values
            ],
        )
        for n, status in enumerate(statuses)
    ]
    evidence = build_evidence(
        results, mined=mined_logs(), events=run_events(), budget_tokens=budget
    )
    analysis = builtin_analysis(evidence)
    assert unknown_references(analysis, evidence) == []
    assert all(0 <= c.likelihood <= 1 for c in analysis.causes)


def test_an_analysis_cannot_carry_a_verdict_or_an_approval() -> None:
    fields = set(Analysis.model_fields)
    assert fields == {"summary", "causes", "confidence", "next_checks", "source"}
    with pytest.raises(ValueError, match="verdict"):
        Analysis.model_validate(
            {**builtin_analysis(_evidence()).model_dump(), "verdict": "go", "approved": True}
        )


def test_the_response_schema_is_strict_and_matches_the_model_without_source() -> None:
    schema = ANALYSIS_SCHEMA["schema"]
    assert ANALYSIS_SCHEMA["strict"] is True
    assert schema["additionalProperties"] is False
    assert (
        set(schema["required"])
        == set(schema["properties"])
        == set(Analysis.model_fields) - {"source"}
    )
    cause = schema["properties"]["causes"]["items"]
    assert cause["additionalProperties"] is False and set(cause["required"]) == set(
        cause["properties"]
    )


@pytest.mark.parametrize(
    ("text", "verdict", "contradicts"),
    [
        ("The verdict is no-go: e2e failed.", "no-go", False),
        ("The verdict is go.", "no-go", True),
        ("Ready to go.", "no-go", True),
        ("APPROVED, ship it", "no-go", True),
        ("We could go live after the fix; for now it is a no go.", "no-go", False),
        ("Verdict: **no-go**", "go", True),
        ("Go with risk: the p95 is high.", "go", True),
        ("The release is a go with some risk.", "go with risk", False),
        ("The verdict is go with risk.", "go", True),
        ("Do not ship this release.", "go with risk", True),
        ("All objectives held; the verdict is go.", "go", False),
    ],
)
def test_a_narrative_contradicting_the_verdict_is_recognised(
    text: str, verdict: str, contradicts: bool
) -> None:
    assert (contradicts_verdict(text, verdict) is not None) == contradicts


def test_the_built_in_narrative_states_the_verdict_in_three_to_five_sentences() -> None:
    text = builtin_summary("no-go", ["e2e failed", "key SLO p95 failed."], _evidence())
    assert text.startswith("The verdict is no-go.")
    assert 3 <= text.count(". ") + 1 <= 5
    assert contradicts_verdict(text, "no-go") is None


def test_an_unknown_verdict_is_a_bug() -> None:
    with pytest.raises(ValueError, match="unknown verdict"):
        contradicts_verdict("fine", "maybe")
