"""The audit entries of what preprod does to defects: filing, resolving, commenting.

The house rule: a mutating act is written to the audit log before (`started`) and after (`done`
or `failed`, with the plain reason), the detail redacted. These acts are preprod's own, taken in
a run: user `preprod`, surface `run`. Without a store nothing is written (pure filing tests).
"""

from __future__ import annotations

from actions.insight.redact import redact
from storage import audit
from storage.store import Store

USER = "preprod"
SURFACE = "run"


class Trail:
    """The entries of one act: the same verb, arguments and run, outcome by outcome."""

    def __init__(self, store: Store | None, verb: str, args: list[str], run_id: int | None) -> None:
        self.store = store
        self.verb = verb
        self.args = args
        self.run_id = run_id

    def write(self, outcome: str, detail: str = "") -> None:
        """One entry: `started`, `done` or `failed`, with what to know about it."""
        if self.store is None:
            return
        audit.record(
            self.store,
            user=USER,
            surface=SURFACE,
            verb=self.verb,
            args=self.args,
            outcome=outcome,
            detail=redact(detail),
            run_id=self.run_id,
        )


def plain_reason(exc: BaseException) -> str:
    """What to write of a failure: a preprod error's own words, else only its kind."""
    from actions.errors import PreprodError

    return str(exc) if isinstance(exc, PreprodError) else type(exc).__name__
