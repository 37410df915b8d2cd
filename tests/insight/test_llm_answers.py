"""The LLM analyst over real HTTP with the real `openai` client: accepted answers, and every
failure falling back to the built-in analyzer with a plain reason."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from actions.insight.analysis import builtin_analysis
from actions.insight.config import LlmConfig
from actions.insight.evidence import Evidence, build_evidence
from actions.insight.llm import LlmAnalyst
from tests.fakes.openai_api import FakeOpenAI
from tests.insight import failed_run, mined_logs, run_events

KEY = "sk-test-fake-key"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY, delay=5.0) as server:
        yield server


def _analyst(base_url: str, *, key: str = KEY, timeout: str = "5s", **config: object) -> LlmAnalyst:
    llm = LlmConfig(base_url=base_url, model="fake-model", timeout=timeout, **config)  # type: ignore[arg-type]
    return LlmAnalyst(llm, key)


def _evidence() -> Evidence:
    return build_evidence(failed_run(), mined=mined_logs(), events=run_events(), budget_tokens=6000)


def test_a_structured_answer_is_accepted_with_its_tokens_and_cost(fake: FakeOpenAI) -> None:
    analyst = _analyst(fake.base_url, price_per_1k_input=0.5, price_per_1k_output=2.0)
    outcome = analyst.analyse(_evidence())
    asked = json.loads(fake.requests[0].raw)
    assert outcome.fallback_reason is None
    assert outcome.analysis.source == "llm"
    assert outcome.analysis.causes[0].evidence == ["E1"]
    assert outcome.prompt_tokens > 0 and outcome.completion_tokens > 0
    assert outcome.cost == pytest.approx(
        outcome.prompt_tokens / 1000 * 0.5 + outcome.completion_tokens / 1000 * 2.0
    )
    assert (outcome.model, outcome.prompt_version, outcome.task) == ("fake-model", "rca@1", "rca")
    assert outcome.called and outcome.latency_s < 5
    assert asked["model"] == "fake-model" and asked["max_tokens"] == 800
    assert "tools" not in asked
    assert asked["response_format"]["json_schema"]["strict"] is True


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("malformed", "the answer is not JSON"),
        ("schema_violation", "the answer does not match the schema: unexpected verdict"),
        ("unknown_reference", "the answer cites evidence that does not exist: E999"),
        ("refusal", "the model refused: I'm sorry"),
        ("truncated", "the answer was cut off at max_output_tokens (800)"),
    ],
)
def test_a_bad_answer_falls_back_to_the_built_in_analysis_with_its_reason(
    fake: FakeOpenAI, mode: str, reason: str
) -> None:
    fake.answer_with(mode)
    evidence = _evidence()
    outcome = _analyst(fake.base_url).analyse(evidence)
    assert outcome.fallback_reason is not None and outcome.fallback_reason.startswith(reason)
    assert outcome.analysis == builtin_analysis(evidence)
    assert outcome.prompt_tokens > 0  # the call was paid for all the same
    assert len(fake.requests) == 1


def test_a_slow_endpoint_falls_back_within_the_timeout(fake: FakeOpenAI) -> None:
    fake.answer_with("slow")
    started = time.monotonic()
    outcome = _analyst(fake.base_url, timeout="1s").analyse(_evidence())
    elapsed = time.monotonic() - started
    assert outcome.fallback_reason == f"the LLM at {fake.base_url} did not answer within 1s"
    assert outcome.analysis.source == "built-in"
    assert elapsed < 3.5  # the LLM would take 5 s
    assert len(fake.requests) <= 1  # a timeout used the time up: not tried again


def test_a_wrong_api_key_falls_back_and_names_the_variable(fake: FakeOpenAI) -> None:
    outcome = _analyst(fake.base_url, key="sk-wrong").analyse(_evidence())
    assert outcome.fallback_reason == (
        f"the LLM at {fake.base_url} refused the API key (HTTP 401); check PREPROD_LLM_API_KEY"
    )
    assert fake.requests[0].status == 401
    assert outcome.cost == 0


def test_a_server_error_is_tried_once_more_then_falls_back(fake: FakeOpenAI) -> None:
    fake.answer_with("error_500")
    outcome = _analyst(fake.base_url).analyse(_evidence())
    assert outcome.fallback_reason == (
        f"the LLM at {fake.base_url} answered HTTP 500: "
        "The server had an error while processing your request"
    )
    assert [r.status for r in fake.requests] == [500, 500]


def test_a_rate_limit_that_passes_is_retried_to_an_answer(fake: FakeOpenAI) -> None:
    fake.answer_with("error_429", times=1)
    outcome = _analyst(fake.base_url).analyse(_evidence())
    assert outcome.fallback_reason is None
    assert [r.status for r in fake.requests] == [429, 200]


def test_a_lasting_rate_limit_falls_back(fake: FakeOpenAI) -> None:
    fake.answer_with("error_429")
    outcome = _analyst(fake.base_url).analyse(_evidence())
    assert outcome.fallback_reason == f"the LLM at {fake.base_url} is rate limiting (HTTP 429)"


def test_an_endpoint_that_is_down_falls_back() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}/v1"
    outcome = _analyst(base_url).analyse(_evidence())
    assert outcome.fallback_reason == f"could not reach the LLM at {base_url}"
    assert outcome.analysis.source == "built-in"


def test_without_usage_in_the_answer_tokens_are_estimated(fake: FakeOpenAI) -> None:
    fake.usage = False
    outcome = _analyst(fake.base_url, price_per_1k_input=1.0).analyse(_evidence())
    assert outcome.fallback_reason is None
    assert outcome.tokens_estimated and outcome.prompt_tokens > 100
    assert outcome.cost == pytest.approx(outcome.prompt_tokens / 1000)


def test_the_evidence_sent_fits_the_input_budget(fake: FakeOpenAI) -> None:
    outcome = _analyst(fake.base_url, input_budget_tokens=700).analyse(_evidence())
    user = fake.requests[0].content("user")
    assert outcome.fallback_reason is None
    assert '"id": "E1"' in user and '"id": "E9"' not in user
    assert "less important items were left out" in user
    assert outcome.prompt_tokens <= 700


def test_a_question_from_the_thread_is_asked_outside_the_evidence(fake: FakeOpenAI) -> None:
    _analyst(fake.base_url).analyse(_evidence(), question="why did <b>orders</b> fail?")
    user = fake.requests[0].content("user")
    assert "answer the question below" in user
    assert "why did \\u003cb\\u003eorders\\u003c/b\\u003e fail?" in user
    assert user.index("why did") < user.index("<evidence>")
