"""The readiness report's narrative: drafted by the LLM, never stating another verdict."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from actions.insight.config import LlmConfig
from actions.insight.evidence import Evidence, build_evidence
from actions.insight.llm import SUMMARY_SCHEMA, LlmAnalyst
from tests.fakes.openai_api import FakeOpenAI
from tests.insight import failed_run, mined_logs, run_events

KEY = "sk-test-fake-key"
REASONS = ["e2e failed: test_multi_item_order", "key SLO product p95 failed <200ms>"]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY) as server:
        yield server


def _analyst(fake: FakeOpenAI) -> LlmAnalyst:
    config = LlmConfig(base_url=fake.base_url, model="fake-model", price_per_1k_output=1.0)
    return LlmAnalyst(config, KEY)


def _evidence() -> Evidence:
    return build_evidence(failed_run(), mined=mined_logs(), events=run_events(), budget_tokens=6000)


def test_a_narrative_that_keeps_the_verdict_is_used(fake: FakeOpenAI) -> None:
    outcome = _analyst(fake).draft_summary(_evidence(), verdict="no-go", reasons=REASONS)
    assert (outcome.source, outcome.fallback_reason) == ("llm", None)
    assert outcome.text.startswith("The verdict is no-go.")
    assert outcome.task == "report_summary" and outcome.prompt_version == "report_summary@1"
    assert outcome.cost == pytest.approx(outcome.completion_tokens / 1000)


def test_the_request_gives_the_verdict_and_the_reasons_as_data(fake: FakeOpenAI) -> None:
    _analyst(fake).draft_summary(_evidence(), verdict="go with risk", reasons=REASONS)
    request = fake.requests[0]
    user = request.content("user")
    assert user.startswith("Verdict: go with risk\n")
    assert "- key SLO product p95 failed \\u003c200ms\\u003e" in user
    assert request.schema_name == SUMMARY_SCHEMA["name"]


@pytest.mark.parametrize("verdict", ["go", "go with risk", "no-go"])
def test_a_narrative_stating_another_verdict_is_replaced_by_the_built_in_one(
    fake: FakeOpenAI, verdict: str
) -> None:
    fake.answer_with("contradiction")
    outcome = _analyst(fake).draft_summary(_evidence(), verdict=verdict, reasons=REASONS)
    assert outcome.source == "built-in"
    assert outcome.fallback_reason is not None
    assert outcome.fallback_reason.endswith(f"but the verdict is {verdict}")
    assert outcome.text.startswith(f"The verdict is {verdict}.")
    assert outcome.completion_tokens > 0  # the rejected draft was paid for


def test_a_failed_call_falls_back_to_the_built_in_narrative(fake: FakeOpenAI) -> None:
    fake.answer_with("malformed")
    outcome = _analyst(fake).draft_summary(_evidence(), verdict="no-go", reasons=REASONS)
    assert outcome.source == "built-in"
    assert outcome.fallback_reason is not None
    assert outcome.fallback_reason.startswith("the answer is not JSON")


def test_an_unknown_verdict_is_refused_before_any_call(fake: FakeOpenAI) -> None:
    with pytest.raises(ValueError, match="unknown verdict"):
        _analyst(fake).draft_summary(_evidence(), verdict="approved", reasons=[])
    assert fake.requests == []
