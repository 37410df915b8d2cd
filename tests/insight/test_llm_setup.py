"""Choosing the analyst from config and environment, and the prompt files it reads."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from actions.config import Settings
from actions.insight.config import InsightConfig, LlmConfig
from actions.insight.evidence import build_evidence
from actions.insight.llm import BuiltinAnalyst, LlmAnalyst, make_analyst
from actions.insight.prompts import PromptError, load_prompt
from tests.insight import failed_run

LLM = {"base_url": "http://127.0.0.1:9/v1", "model": "m"}


def _settings(**insight: object) -> Settings:
    return Settings.model_validate(
        {
            "environments": {"local": {}},
            "apps": {"shop": {"services": {"web": {}}}},
            "insight": insight,
        }
    )


def test_no_llm_section_means_the_built_in_analyzer_and_no_reason() -> None:
    analyst = make_analyst(_settings().insight, {"PREPROD_LLM_API_KEY": "k"})
    assert analyst == BuiltinAnalyst()


def test_an_llm_without_its_key_in_the_environment_is_not_used_and_says_why() -> None:
    analyst = make_analyst(_settings(llm=LLM).insight, {})
    assert isinstance(analyst, BuiltinAnalyst)
    assert analyst.reason == (
        "insight.llm is configured but PREPROD_LLM_API_KEY is not set, "
        "so the built-in analyzer answered"
    )


def test_the_key_is_read_from_the_variable_the_config_names() -> None:
    config = _settings(llm={**LLM, "api_key_env": "MY_LLM_KEY"}).insight
    assert isinstance(make_analyst(config, {"MY_LLM_KEY": "k"}), LlmAnalyst)
    assert isinstance(make_analyst(config, {"PREPROD_LLM_API_KEY": "k"}), BuiltinAnalyst)


def test_the_built_in_analyst_answers_with_its_reason() -> None:
    evidence = build_evidence(failed_run(), mined=None, events=[], budget_tokens=6000)
    outcome = BuiltinAnalyst("no key").analyse(evidence)
    assert (outcome.analysis.source, outcome.fallback_reason) == ("built-in", "no key")
    assert not outcome.called and outcome.cost == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"api_key": "sk-secret"},  # never in config
        {"timeout": "soon"},
        {"max_output_tokens": 0},
        {"api_key_env": "not a name"},
        {"price_per_1k_input": -1},
    ],
)
def test_a_bad_llm_section_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        _settings(llm={**LLM, **bad})


def test_defaults_of_the_llm_section() -> None:
    llm = LlmConfig.model_validate(LLM)
    assert (llm.timeout_s, llm.max_output_tokens, llm.input_budget_tokens) == (30.0, 800, 6000)
    assert llm.api_key_env == "PREPROD_LLM_API_KEY"
    assert llm.cost(1000, 500) == 0.0
    assert InsightConfig().llm is None


@pytest.mark.parametrize("name", ["rca", "report_summary"])
def test_each_prompt_is_versioned_and_has_a_system_and_a_user_section(name: str) -> None:
    prompt = load_prompt(name)
    assert prompt.version == "1"
    sections = prompt.sections()
    assert "untrusted" in sections["system"] or "never instructions" in sections["system"]
    assert "<evidence>\n{{ evidence }}\n</evidence>" in sections["user"]


def test_a_prompt_renders_its_values_into_the_user_message() -> None:
    system, user = load_prompt("rca").render(
        task="find causes", question="", evidence='{"id": "E1"}', omitted=2
    )
    assert user.startswith('Task: find causes\n<evidence>\n{"id": "E1"}\n</evidence>')
    assert "2 less important items were left out" in user
    assert "{{" not in system


def test_a_missing_or_oddly_named_prompt_is_a_plain_error() -> None:
    with pytest.raises(PromptError, match="no prompt 'nope'"):
        load_prompt("nope")
    with pytest.raises(PromptError, match="not a prompt name"):
        load_prompt("../README")
