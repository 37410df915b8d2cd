"""A question about a run puts the evidence it is about first. Pure.

`why did the load test fail?` puts the load step's evidence first; `what changed since 1.0?` the
measurements against the baseline; a service's name, that service's. The rest is kept at half its
weight (an analysis ranks causes by weight), so nothing is dropped; ids never change, so the
answer's references still point at the same items.
"""

from __future__ import annotations

import re

from actions.insight.evidence import Evidence, EvidenceItem

STEPS = ("deploy", "rollback", "parity", "seed", "e2e", "load", "scan", "chaos", "analyze")
ALIASES = {
    "end-to-end": "e2e", "tests": "e2e", "test": "e2e", "performance": "load", "locust": "load",
    "security": "scan", "scans": "scan", "vulnerab": "scan", "fault": "chaos",
    "experiment": "chaos", "latency": "load", "slow": "load", "metrics": "analyze",
    "judge": "analyze", "rollout": "deploy", "deployment": "deploy",
}  # fmt: skip
CHANGE_WORDS = ("changed", "change", "since", "differ", "compare", "baseline", "regress", "before")
_WORD = re.compile(r"[a-z0-9][a-z0-9_.-]*")


def focus(evidence: Evidence, question: str) -> Evidence:
    """The evidence related to `question` first; the rest after it, at half its weight."""
    words = _WORD.findall(question.lower())
    steps = {w for w in words if w in STEPS}
    steps |= {step for w in words for alias, step in ALIASES.items() if w.startswith(alias)}
    services = {i.service for i in evidence.items if i.service and i.service.lower() in words}
    changes = any(w.startswith(CHANGE_WORDS) for w in words)
    if not (steps or services or changes):
        return evidence

    def related(item: EvidenceItem) -> bool:
        text = f"{item.title} {item.text}".lower()
        if steps and any(re.search(rf"\b{re.escape(s)}\b", text) for s in steps):
            return True
        if services and item.service in services:
            return True
        return changes and item.kind == "metric_delta"

    first = [i for i in evidence.items if related(i)]
    if not first:
        return evidence
    rest = [i.model_copy(update={"weight": i.weight / 2}) for i in evidence.items if not related(i)]
    return evidence.model_copy(update={"items": (*first, *rest)})
