"""One chat completion with a JSON-schema answer, bounded by the `insight.llm` timeout.

A dropped connection, 429 or 5xx is tried again while time is left; a timeout is not (it used the
time up); the library's own retries are off (ours are bounded). Every failure, and an answer that
is refused, cut off, filtered or empty, raises `LlmFailed` with a plain reason. The `openai`
package is imported on the first call: it takes half a second, and most commands never call.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from actions.insight.config import LlmConfig

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletion


class LlmFailed(Exception):
    """The LLM gave no usable answer; the message is the plain reason kept with the fallback."""


@dataclass
class Answer:
    """What one call gave back (also when it failed after answering: tokens still count)."""

    content: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: bool = False


def complete(
    config: LlmConfig,
    api_key: str,
    system: str,
    user: str,
    schema: dict[str, Any],
    started: float,
    *,
    answer: Answer,
    retries: int = 1,
) -> str:
    """The answer's text; `answer` is filled with what the call cost, even when it fails."""
    response = _create(config, api_key, system, user, schema, started, retries)
    answer.content = response.choices[0].message.content if response.choices else None
    if response.usage is not None:
        answer.prompt_tokens = response.usage.prompt_tokens or 0
        answer.completion_tokens = response.usage.completion_tokens or 0
    else:
        answer.estimated = True
        answer.prompt_tokens = math.ceil(len(system + user) / 4)
        answer.completion_tokens = math.ceil(len(answer.content or "") / 4)
    if not response.choices:
        raise LlmFailed("the LLM returned no answer")
    choice = response.choices[0]
    if choice.message.refusal:
        raise LlmFailed(f"the model refused: {short(choice.message.refusal)}")
    if choice.finish_reason == "length":
        raise LlmFailed(f"the answer was cut off at max_output_tokens ({config.max_output_tokens})")
    if choice.finish_reason == "content_filter":
        raise LlmFailed("the endpoint's content filter withheld the answer")
    if not answer.content:
        raise LlmFailed("the LLM returned an empty answer")
    return answer.content


def _create(
    config: LlmConfig,
    api_key: str,
    system: str,
    user: str,
    schema: dict[str, Any],
    started: float,
    retries: int,
) -> ChatCompletion:
    import openai

    deadline = started + config.timeout_s
    retrying = Retrying(
        stop=stop_after_attempt(1 + retries),
        wait=wait_exponential(multiplier=0.2, max=1),
        retry=retry_if_exception(lambda exc: _retryable(exc) and deadline - time.monotonic() > 0.5),
        reraise=True,
    )
    # A client per call (calls are rare), closed after it: no connection outlives the call.
    client = openai.OpenAI(
        base_url=config.base_url, api_key=api_key, timeout=config.timeout_s, max_retries=0
    )
    try:
        for attempt in retrying:
            with attempt:
                return client.chat.completions.create(
                    model=config.model,
                    messages=[
                        {"role": "system", "content": system},
                        {"role": "user", "content": user},
                    ],
                    response_format={
                        "type": "json_schema",
                        "json_schema": {
                            "name": schema["name"],
                            "strict": True,
                            "schema": schema["schema"],
                        },
                    },
                    max_tokens=config.max_output_tokens,
                    temperature=0,
                    timeout=max(deadline - time.monotonic(), 0.01),
                )
    except openai.OpenAIError as exc:
        raise LlmFailed(_reason(config, exc)) from None
    finally:
        client.close()
    raise AssertionError("unreachable: tenacity either returns or raises")


def _retryable(exc: BaseException) -> bool:
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return False
    return isinstance(
        exc, openai.APIConnectionError | openai.RateLimitError | openai.InternalServerError
    )


def _reason(config: LlmConfig, exc: openai.OpenAIError) -> str:
    import openai

    where = config.base_url
    if isinstance(exc, openai.APITimeoutError):
        return f"the LLM at {where} did not answer within {config.timeout}"
    if isinstance(exc, openai.APIConnectionError):
        return f"could not reach the LLM at {where}"
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return (
            f"the LLM at {where} refused the API key (HTTP {exc.status_code}); "
            f"check {config.api_key_env}"
        )
    if isinstance(exc, openai.RateLimitError):
        return f"the LLM at {where} is rate limiting (HTTP 429)"
    if isinstance(exc, openai.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        said = str(body.get("message") or exc.message)
        return f"the LLM at {where} answered HTTP {exc.status_code}: {short(said)}"
    return f"the LLM call failed: {short(str(exc))}"


def short(text: str, limit: int = 200) -> str:
    """One line, cut to `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
