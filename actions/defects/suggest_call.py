"""One chat completion for the triage suggestion, bounded by the `insight.llm` timeout.

A dropped connection, 429 or 5xx is tried once more while time is left; a timeout is not (it used
the time up). The library's own retries are off: ours are bounded. Every failure, and an answer
that is refused, cut off, filtered or empty, is `Failed` with a plain reason.
"""

from __future__ import annotations

import math
import time
from typing import Any

import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from openai.types.shared_params.response_format_json_schema import (
    JSONSchema,
    ResponseFormatJSONSchema,
)
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from actions.insight.config import LlmConfig


class Failed(Exception):
    """The LLM gave no usable answer; the message is the plain reason kept with the filing."""


def complete(
    config: LlmConfig,
    api_key: str,
    system: str,
    user: str,
    schema: dict[str, Any],
    started: float,
    usage: dict[str, Any],
) -> str:
    """The answer's text; fills `usage` (prompt_tokens, completion_tokens, estimated)."""
    response = _create(config, api_key, system, user, schema, started)
    content = response.choices[0].message.content if response.choices else None
    if response.usage is not None:
        usage["prompt_tokens"] = response.usage.prompt_tokens or 0
        usage["completion_tokens"] = response.usage.completion_tokens or 0
    else:
        usage["estimated"] = True
        usage["prompt_tokens"] = math.ceil(len(system + user) / 4)
        usage["completion_tokens"] = math.ceil(len(content or "") / 4)
    if not response.choices:
        raise Failed("the LLM returned no answer")
    choice = response.choices[0]
    if choice.message.refusal:
        raise Failed(f"the model refused: {_short(choice.message.refusal)}")
    if choice.finish_reason == "length":
        raise Failed(f"the answer was cut off at max_output_tokens ({config.max_output_tokens})")
    if choice.finish_reason == "content_filter":
        raise Failed("the endpoint's content filter withheld the answer")
    if not content:
        raise Failed("the LLM returned an empty answer")
    return content


def _create(
    config: LlmConfig,
    api_key: str,
    system: str,
    user: str,
    schema: dict[str, Any],
    started: float,
) -> ChatCompletion:
    deadline = started + config.timeout_s
    messages: list[ChatCompletionMessageParam] = [
        {"role": "system", "content": system},
        {"role": "user", "content": user},
    ]
    json_schema: JSONSchema = {"name": schema["name"], "strict": True, "schema": schema["schema"]}
    response_format: ResponseFormatJSONSchema = {"type": "json_schema", "json_schema": json_schema}
    retrying = Retrying(
        stop=stop_after_attempt(2),
        wait=wait_exponential(multiplier=0.2, max=1),
        retry=retry_if_exception(lambda exc: _retryable(exc) and deadline - time.monotonic() > 0.5),
        reraise=True,
    )
    client = openai.OpenAI(
        base_url=config.base_url, api_key=api_key, timeout=config.timeout_s, max_retries=0
    )
    try:
        for attempt in retrying:
            with attempt:
                return client.chat.completions.create(
                    model=config.model,
                    messages=messages,
                    response_format=response_format,
                    max_tokens=config.max_output_tokens,
                    temperature=0,
                    timeout=max(deadline - time.monotonic(), 0.01),
                )
    except openai.OpenAIError as exc:
        raise Failed(_reason(config, exc)) from None
    finally:
        client.close()
    raise AssertionError("unreachable: tenacity either returns or raises")


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, openai.APITimeoutError):
        return False
    return isinstance(
        exc, openai.APIConnectionError | openai.RateLimitError | openai.InternalServerError
    )


def _reason(config: LlmConfig, exc: openai.OpenAIError) -> str:
    where = config.base_url
    if isinstance(exc, openai.APITimeoutError):
        return f"the LLM at {where} did not answer within {config.timeout}"
    if isinstance(exc, openai.APIConnectionError):
        return f"could not reach the LLM at {where}"
    if isinstance(exc, openai.APIStatusError):
        return f"the LLM at {where} answered HTTP {exc.status_code}"
    return f"the LLM call failed: {type(exc).__name__}"


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
