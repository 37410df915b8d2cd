"""An LLM drafts the analysis; the built-in analyzer answers when none is configured or it fails.

The model gets the redacted evidence as escaped JSON lines inside an `<evidence>` block that the
system prompt calls untrusted data, and no tools. Its answer is parsed against the `Analysis`
model, every cited id must exist, and nothing it says is acted on: an `Analysis` has no verdict,
and a report narrative that contradicts the gate's verdict is thrown away. Any failure (timeout,
connection, HTTP error, refusal, bad JSON, schema, unknown reference) falls back to the built-in
analyzer, with the reason and whatever the call cost recorded.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ValidationError

from actions.insight.analysis import (
    ANALYSIS_SCHEMA,
    Analysis,
    builtin_analysis,
    builtin_summary,
    contradicts_verdict,
    unknown_references,
)
from actions.insight.chat_call import Answer, LlmFailed, complete
from actions.insight.config import InsightConfig, LlmConfig
from actions.insight.evidence import Evidence, escape_markup, evidence_block
from actions.insight.prompts import Prompt, load_prompt
from actions.insight.redact import redact

SUMMARY_SCHEMA: dict[str, Any] = {
    "name": "report_summary",
    "strict": True,
    "schema": {
        "type": "object",
        "additionalProperties": False,
        "required": ["summary"],
        "properties": {"summary": {"type": "string"}},
    },
}
_TASKS = {"rca": "find the most likely causes of the failures and warnings of this run"}
_QUESTION = "answer the question below from the evidence, citing it"


class LlmUsage(BaseModel):
    """What one drafting cost, for the caller to record per run. `model` is None when no LLM
    was called; `fallback_reason` says why the built-in analyzer answered instead."""

    task: str
    model: str | None = None
    prompt_version: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tokens_estimated: bool = False  # the endpoint reported no usage: about four characters a token
    cost: float = 0.0
    latency_s: float = 0.0
    fallback_reason: str | None = None

    @property
    def called(self) -> bool:
        """Whether an LLM was called (and its usage is worth recording)."""
        return self.model is not None


class LlmOutcome(LlmUsage):
    analysis: Analysis


class SummaryOutcome(LlmUsage):
    text: str
    source: Literal["llm", "built-in"]


class Analyst(Protocol):
    """Drafts analyses and report narratives from evidence; never decides anything."""

    def analyse(
        self, evidence: Evidence, question: str | None = None, task: str = "rca"
    ) -> LlmOutcome: ...

    def draft_summary(
        self, evidence: Evidence, *, verdict: str, reasons: list[str]
    ) -> SummaryOutcome: ...


@dataclass(frozen=True)
class BuiltinAnalyst:
    """The embedded default: deterministic, offline, free. `reason`: why no LLM is used."""

    reason: str | None = None

    def analyse(
        self, evidence: Evidence, question: str | None = None, task: str = "rca"
    ) -> LlmOutcome:
        analysis = builtin_analysis(evidence)
        return LlmOutcome(task=task, analysis=analysis, fallback_reason=self.reason)

    def draft_summary(
        self, evidence: Evidence, *, verdict: str, reasons: list[str]
    ) -> SummaryOutcome:
        text = builtin_summary(verdict, reasons, evidence)
        return SummaryOutcome(
            task="report_summary", text=text, source="built-in", fallback_reason=self.reason
        )


def make_analyst(config: InsightConfig, environ: Mapping[str, str]) -> Analyst:
    """The LLM analyst when `insight.llm` is set and its key is in `environ`; else the built-in."""
    if config.llm is None:
        return BuiltinAnalyst()
    key = environ.get(config.llm.api_key_env, "").strip()
    if not key:
        return BuiltinAnalyst(
            f"insight.llm is configured but {config.llm.api_key_env} is not set, "
            "so the built-in analyzer answered"
        )
    return LlmAnalyst(config.llm, key)


@dataclass
class _Call:
    prompt: Prompt
    started: float
    content: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: bool = False


class LlmAnalyst:
    """An OpenAI-compatible Chat Completions endpoint, bounded by the config's timeout."""

    def __init__(self, config: LlmConfig, api_key: str, *, retries: int = 1) -> None:
        self.config = config
        self.retries = retries
        self._api_key = api_key

    def analyse(
        self, evidence: Evidence, question: str | None = None, task: str = "rca"
    ) -> LlmOutcome:
        """The LLM's analysis, or the built-in one with the reason the LLM's was not used."""
        what = _QUESTION if question else _TASKS.get(task, task.replace("_", " "))
        values = {"task": what, "question": escape_markup(redact(question or ""))}
        call = _Call(load_prompt(task), time.monotonic())
        try:
            shown = self._ask(call, evidence, values, ANALYSIS_SCHEMA)
            analysis = _parse_analysis(call.content or "", shown)
            return LlmOutcome(analysis=analysis, **self._usage(call, task))
        except LlmFailed as failed:
            fallback = builtin_analysis(evidence)
            return LlmOutcome(analysis=fallback, **self._usage(call, task, str(failed)))

    def draft_summary(
        self, evidence: Evidence, *, verdict: str, reasons: list[str]
    ) -> SummaryOutcome:
        """A 3–5 sentence narrative of the report; thrown away if it contradicts `verdict`."""
        contradicts_verdict("", verdict)  # an unknown verdict is a bug: raise before calling
        lines = "\n".join(f"- {escape_markup(redact(r))}" for r in reasons) or "- (none)"
        call = _Call(load_prompt("report_summary"), time.monotonic())
        try:
            values = {"verdict": verdict, "reasons": lines}
            self._ask(call, evidence, values, SUMMARY_SCHEMA)
            text = _parse_summary(call.content or "", verdict)
            usage = self._usage(call, "report_summary")
            return SummaryOutcome(text=text, source="llm", **usage)
        except LlmFailed as failed:
            text = builtin_summary(verdict, reasons, evidence)
            usage = self._usage(call, "report_summary", str(failed))
            return SummaryOutcome(text=text, source="built-in", **usage)

    def _ask(
        self, call: _Call, evidence: Evidence, values: dict[str, Any], schema: dict[str, Any]
    ) -> Evidence:
        """Render the prompt with the evidence that fits the budget, ask, fill `call`; the
        evidence the model saw."""
        system, bare = call.prompt.render(evidence="", omitted=0, **values)
        room = self.config.input_budget_tokens - math.ceil(len(system + bare) / 4)
        shown = evidence.within(max(room, 0))
        values = {**values, "omitted": shown.omitted}
        system, user = call.prompt.render(evidence=evidence_block(shown), **values)
        answer = Answer()
        try:
            complete(
                self.config,
                self._api_key,
                system,
                user,
                schema,
                call.started,
                answer=answer,
                retries=self.retries,
            )
        finally:
            call.content = answer.content
            call.prompt_tokens, call.completion_tokens = (
                answer.prompt_tokens,
                answer.completion_tokens,
            )
            call.estimated = answer.estimated
        return shown

    def _usage(self, call: _Call, task: str, reason: str | None = None) -> dict[str, Any]:
        return {
            "task": task,
            "model": self.config.model,
            "prompt_version": f"{call.prompt.name}@{call.prompt.version}",
            "prompt_tokens": call.prompt_tokens,
            "completion_tokens": call.completion_tokens,
            "tokens_estimated": call.estimated,
            "cost": round(self.config.cost(call.prompt_tokens, call.completion_tokens), 6),
            "latency_s": round(time.monotonic() - call.started, 3),
            "fallback_reason": reason,
        }


def _json_object(content: str) -> dict[str, Any]:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise LlmFailed(f"the answer is not JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(data, dict):
        raise LlmFailed("the answer is not a JSON object")
    return data


def _parse_analysis(content: str, shown: Evidence) -> Analysis:
    """The model's answer as an `Analysis` marked as LLM text, citing only evidence it saw."""
    data = _json_object(content)
    allowed = set(ANALYSIS_SCHEMA["schema"]["properties"])
    extra = sorted(set(data) - allowed)
    if extra:
        raise LlmFailed(f"the answer does not match the schema: unexpected {', '.join(extra)}")
    try:
        analysis = Analysis.model_validate({**data, "source": "llm"})
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "answer"
        raise LlmFailed(f"the answer does not match the schema: {where}: {error['msg']}") from None
    unknown = unknown_references(analysis, shown)
    if unknown:
        raise LlmFailed(f"the answer cites evidence that does not exist: {', '.join(unknown)}")
    return analysis


def _parse_summary(content: str, verdict: str) -> str:
    data = _json_object(content)
    text = data.get("summary")
    if set(data) != {"summary"} or not isinstance(text, str) or not text.strip():
        raise LlmFailed("the answer does not match the schema: one non-empty 'summary' expected")
    if len(text) > 2000:
        raise LlmFailed(f"the summary is too long ({len(text)} characters)")
    contradiction = contradicts_verdict(text, verdict)
    if contradiction:
        raise LlmFailed(contradiction)
    return " ".join(text.split())
