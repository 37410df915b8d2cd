"""Re-checking a defect: which step found it, and what a new run of that step says about it.

`step_of` finds the check behind a defect (the step whose finding carried its fingerprint, in
the run that filed it); `verdict` is pure: the fingerprint seen again → still failing; the step
passed without it → fixed; anything else (an error, a skip, a step that failed otherwise) →
inconclusive. The plan runs the step and `settle` comments on or resolves the defect, written
to the audit log before and after when given a store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from actions.defects.audit_trail import Trail, plain_reason
from actions.defects.tracker import Defect, DefectTracker
from actions.errors import UsageError
from actions.result import Result, Status
from storage import runs
from storage.store import Store

RECHECKABLE = ("e2e", "load", "scan", "chaos", "parity")
Outcome = Literal["fixed", "still failing", "inconclusive"]


def find_defect(tracker: DefectTracker, key: str) -> Defect:
    for defect in tracker.list(None):
        if defect.key.lower() == key.lower():
            return defect
    raise UsageError(f"no defect {key} in the {tracker.name} tracker (`defects` lists them)")


def step_of(store: Store, defect: Defect) -> str:
    """The step whose finding the defect was filed from."""
    if defect.run_id is not None:
        for body in runs.results_of(store, defect.run_id):
            prints = {f.get("fingerprint") for f in body.get("findings") or []}
            if defect.fingerprint in prints:
                step = str(body["step"])
                if step in RECHECKABLE:
                    return step
                raise UsageError(
                    f"{defect.key} came from the {step} step, which recheck cannot run"
                )
    raise UsageError(f"{defect.key}: the run that filed it is gone, so its check is unknown")


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    detail: str


def verdict(fingerprint: str, results: Sequence[Result], step: str) -> Verdict:
    """What a fresh run of `step` says about the defect with `fingerprint`. Pure."""
    result = next((r for r in results if r.step == step), None)
    if result is None:
        return Verdict("inconclusive", f"the {step} step did not run")
    seen = next((f for f in result.findings if f.fingerprint == fingerprint), None)
    if seen is not None:
        return Verdict("still failing", f"{step} {result.status.value}: {seen.title}")
    if result.status in (Status.PASS, Status.WARN):
        return Verdict("fixed", f"{step} {result.status.value}: {result.summary}")
    return Verdict("inconclusive", f"{step} {result.status.value}: {result.summary}")


def settle(
    tracker: DefectTracker,
    key: str,
    found: Verdict,
    run_id: int,
    *,
    store: Store | None = None,
) -> str:
    """Resolve a fixed defect; comment on the others. What was done, for the run's thread."""
    note = f"recheck in run {run_id}: {found.outcome}: {found.detail}"
    fixed = found.outcome == "fixed"
    verb = "defects.resolve" if fixed else "defects.comment"
    log = Trail(store, verb, [tracker.name, key], run_id)
    log.write("started", note)
    try:
        if fixed:
            tracker.resolve(key, note)
        else:
            tracker.comment(key, note)
    except Exception as exc:
        log.write("failed", plain_reason(exc))
        raise
    done = f"{key} {'resolved' if fixed else 'commented'}: {note}"
    log.write("done", done)
    return done
