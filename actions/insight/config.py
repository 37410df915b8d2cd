"""The `insight:` section of preprod.yaml: which LLM drafts analyses, if any, and what it costs.

With no `llm`, the built-in analyzer answers. The API key is never here: it is read from the
environment variable named by `api_key_env`, by whoever builds the analyst (`llm.make_analyst`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from actions.durations import parse_duration

PREPROD_LLM_API_KEY = "PREPROD_LLM_API_KEY"
"""The default environment variable holding the LLM endpoint's API key."""


class LlmConfig(BaseModel):
    """An OpenAI-compatible Chat Completions endpoint (OpenAI, vLLM, Ollama, a gateway)."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(min_length=1)  # e.g. https://api.openai.com/v1
    model: str = Field(min_length=1)
    timeout: str = "30s"  # the whole answer, retries included
    max_output_tokens: int = Field(800, ge=16)
    input_budget_tokens: int = Field(6000, ge=200)  # the evidence is cut to fit
    price_per_1k_input: float = Field(0.0, ge=0)
    price_per_1k_output: float = Field(0.0, ge=0)
    api_key_env: str = Field(PREPROD_LLM_API_KEY, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")

    @field_validator("timeout")
    @classmethod
    def _timeout_is_a_duration(cls, value: str) -> str:
        if parse_duration(value) <= 0:
            raise ValueError(f"{value!r}: the timeout must be more than zero")
        return value

    @property
    def timeout_s(self) -> float:
        return parse_duration(self.timeout)

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        """What a call cost at the configured prices (0 when no price is set)."""
        return (
            prompt_tokens / 1000 * self.price_per_1k_input
            + completion_tokens / 1000 * self.price_per_1k_output
        )


class InsightConfig(BaseModel):
    """`insight:`; with no `llm` the built-in analyzer is used (the embedded default)."""

    model_config = ConfigDict(extra="forbid")

    llm: LlmConfig | None = None
