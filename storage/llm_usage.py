"""What each LLM call of a run cost: tokens in and out, money, time, and whether it fell back."""

from __future__ import annotations

from typing import Any

from storage.store import Store, now_iso


def record(
    store: Store,
    run_id: int | None,
    *,
    task: str,
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    cost: float,
    latency_s: float,
    fallback: str | None,
) -> None:
    with store.transaction() as db:
        db.table("llm_usage").insert(
            {
                "run_id": run_id,
                "task": task,
                "model": model,
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "cost": cost,
                "latency_s": latency_s,
                "fallback": fallback,
                "at": now_iso(),
            }
        )


def of_run(store: Store, run_id: int) -> list[dict[str, Any]]:
    return list(store.db.query("SELECT * FROM llm_usage WHERE run_id = ? ORDER BY id", [run_id]))


def totals(store: Store, run_id: int) -> dict[str, float]:
    """Tokens and cost of every LLM call of a run."""
    row = store.db.execute(
        "SELECT coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0), "
        "coalesce(sum(cost), 0), count(*) FROM llm_usage WHERE run_id = ?",
        [run_id],
    ).fetchone()
    return {"prompt_tokens": row[0], "completion_tokens": row[1], "cost": row[2], "calls": row[3]}
