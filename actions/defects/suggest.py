"""An LLM's second opinion on the severity of the findings being filed, marked as such.

When `defects.llm_suggest` is on and `insight.llm` is configured (its key in the environment),
filing asks the model once for all of its drafts: a severity and a one-line reason each. The
drafts go redacted, as escaped JSON lines inside a `<findings>` block the prompt calls untrusted
data, and the model has no tools. The answer must match a strict schema and name only the drafts'
ids. A suggestion is shown as "Suggested by LLM (<model>): high — <reason>" beside the rules'
severity, which it never changes. Any failure (timeout, connection, HTTP error, refusal, bad JSON,
schema) means no suggestion, with the reason kept, and filing goes on.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from actions.defects.config import DEFECT_SEVERITIES, DefectSeverity
from actions.defects.tracker import DefectDraft
from actions.insight.chat_call import Answer, complete
from actions.insight.chat_call import LlmFailed as Failed
from actions.insight.config import LlmConfig
from actions.insight.evidence import escape_markup
from actions.insight.llm import LlmUsage
from actions.insight.prompts import load_prompt
from actions.insight.redact import redact

if TYPE_CHECKING:
    from actions.config import Settings

TASK = "defect_triage"
EVIDENCE_CHARS = 400  # of each finding's evidence shown to the model
REASON_CHARS = 200
_MARKUP = re.compile(r"[{}\[\]|<>]")  # no Jira macro, link or tag from the model's words

SCHEMA: dict[str, Any] = {
    "name": TASK,
    "strict": True,
    "schema": {
        "type": "object",
        "additionalProperties": False,
        "required": ["suggestions"],
        "properties": {
            "suggestions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "severity", "reason"],
                    "properties": {
                        "id": {"type": "string"},
                        "severity": {"type": "string", "enum": list(DEFECT_SEVERITIES)},
                        "reason": {"type": "string"},
                    },
                },
            }
        },
    },
}


class Suggestion(BaseModel):
    """What the LLM suggested for one finding: shown beside the rules' severity, never instead."""

    severity: DefectSeverity
    reason: str
    model: str

    @property
    def line(self) -> str:
        """`Suggested by LLM (<model>): <severity> — <reason>`."""
        return f"Suggested by LLM ({self.model}): {self.severity} — {self.reason}"


class SuggestionOutcome(LlmUsage):
    """Suggestions by fingerprint; none when the LLM failed (`fallback_reason` says why)."""

    suggestions: dict[str, Suggestion] = Field(default_factory=dict)


class TriageSuggester(Protocol):
    """Suggests a severity per draft; never decides one."""

    def suggest(self, drafts: Sequence[DefectDraft]) -> SuggestionOutcome: ...


@dataclass(frozen=True)
class NoSuggester:
    """Configured on but unusable (no LLM, no key): no call, the reason kept."""

    reason: str

    def suggest(self, drafts: Sequence[DefectDraft]) -> SuggestionOutcome:
        """No suggestion, and why."""
        return SuggestionOutcome(task=TASK, fallback_reason=self.reason)


def make_suggester(settings: Settings, environ: Mapping[str, str]) -> TriageSuggester | None:
    """None unless `defects.llm_suggest`; the LLM's suggester when `insight.llm` and its key are
    there, else one that says what is missing."""
    if not settings.defects.llm_suggest:
        return None
    llm = settings.insight.llm
    if llm is None:
        return NoSuggester("defects.llm_suggest is on but insight.llm is not configured")
    key = environ.get(llm.api_key_env, "").strip()
    if not key:
        return NoSuggester(f"defects.llm_suggest is on but {llm.api_key_env} is not set")
    return LlmSuggester(llm, key)


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    severity: DefectSeverity
    reason: str = Field(min_length=1)


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    suggestions: list[_Item]


def finding_line(ref: str, draft: DefectDraft) -> str:
    """One draft as a line of JSON for the model: redacted, markup escaped, evidence cut."""
    item = {
        "id": ref,
        "title": redact(draft.title),
        "step": draft.step,
        "service": draft.service,
        "severity": draft.severity,
        "impact": redact(draft.impact),
        "evidence": redact(draft.evidence)[:EVIDENCE_CHARS],
    }
    return escape_markup(json.dumps(item, ensure_ascii=False))


def parse_answer(
    content: str, refs: Mapping[str, DefectDraft], model: str
) -> dict[str, Suggestion]:
    """The model's answer as suggestions by fingerprint; `Failed` if it is not what was asked."""
    try:
        answer = _Answer.model_validate(json.loads(content))
    except json.JSONDecodeError as exc:
        raise Failed(f"the answer is not JSON ({exc.msg} at character {exc.pos})") from None
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "answer"
        raise Failed(f"the answer does not match the schema: {where}: {error['msg']}") from None
    unknown = sorted({item.id for item in answer.suggestions} - set(refs))
    if unknown:
        raise Failed(f"the answer names findings that do not exist: {', '.join(unknown)}")
    found: dict[str, Suggestion] = {}
    for item in answer.suggestions:
        reason = redact(_MARKUP.sub("", " ".join(item.reason.split()))[:REASON_CHARS]).strip()
        fingerprint = refs[item.id].fingerprint
        if reason and fingerprint not in found:
            found[fingerprint] = Suggestion(severity=item.severity, reason=reason, model=model)
    return found


class LlmSuggester:
    """Asks an OpenAI-compatible endpoint, within the `insight.llm` timeout and budget."""

    def __init__(self, config: LlmConfig, api_key: str) -> None:
        self.config = config
        self._api_key = api_key

    def suggest(self, drafts: Sequence[DefectDraft]) -> SuggestionOutcome:
        """One call for all the drafts; no suggestion (and the reason) if anything fails."""
        started = time.monotonic()
        refs = {f"D{n}": draft for n, draft in enumerate(drafts, 1)}
        usage: dict[str, Any] = {}
        try:
            prompt = load_prompt(TASK)
            usage["prompt_version"] = f"{prompt.name}@{prompt.version}"
            system, bare = prompt.render(findings="", count=0, omitted=0)
            room = self.config.input_budget_tokens * 4 - len(system + bare)
            lines: list[str] = []
            for ref, draft in refs.items():
                line = finding_line(ref, draft)
                if len(line) + 1 > room:
                    break
                lines.append(line)
                room -= len(line) + 1
            if not lines:
                raise Failed("no finding fits the LLM's input budget")
            shown = {ref: refs[ref] for ref in list(refs)[: len(lines)]}
            values = {"count": len(lines), "omitted": len(refs) - len(lines)}
            system, user = prompt.render(findings="\n".join(lines), **values)
            answer = Answer()
            try:
                content = complete(
                    self.config, self._api_key, system, user, SCHEMA, started, answer=answer
                )
            finally:
                usage["prompt_tokens"] = answer.prompt_tokens
                usage["completion_tokens"] = answer.completion_tokens
                usage["estimated"] = answer.estimated
            found = parse_answer(content, shown, self.config.model)
            return SuggestionOutcome(suggestions=found, **self._usage(usage, started))
        except Failed as failed:
            return SuggestionOutcome(**self._usage(usage, started, str(failed)))
        except Exception as exc:  # a suggestion is optional: its bug must not stop the filing
            reason = f"the suggestion failed unexpectedly ({type(exc).__name__})"
            return SuggestionOutcome(**self._usage(usage, started, reason))

    def _usage(
        self, usage: dict[str, Any], started: float, reason: str | None = None
    ) -> dict[str, Any]:
        prompt_tokens = int(usage.get("prompt_tokens", 0))
        completion_tokens = int(usage.get("completion_tokens", 0))
        return {
            "task": TASK,
            "model": self.config.model,
            "prompt_version": usage.get("prompt_version"),
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "tokens_estimated": bool(usage.get("estimated")),
            "cost": round(self.config.cost(prompt_tokens, completion_tokens), 6),
            "latency_s": round(time.monotonic() - started, 3),
            "fallback_reason": reason,
        }
