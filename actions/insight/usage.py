"""What an LLM call cost, kept per run (`llm_usage`) beside the run's other calls."""

from __future__ import annotations

from actions.insight.llm import LlmUsage
from storage import llm_usage
from storage.store import Store


def record_usage(store: Store, run_id: int | None, outcome: LlmUsage) -> None:
    """Record the call's tokens, cost, latency and fallback; nothing when no LLM was called."""
    if not outcome.called:
        return
    llm_usage.record(
        store,
        run_id,
        task=outcome.task,
        model=outcome.model or "",
        prompt_tokens=outcome.prompt_tokens,
        completion_tokens=outcome.completion_tokens,
        cost=outcome.cost,
        latency_s=outcome.latency_s,
        fallback=outcome.fallback_reason,
    )
