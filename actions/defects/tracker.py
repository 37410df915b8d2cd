"""The one interface every defect tracker speaks, and the records that cross it.

A draft is filed once per fingerprint: while a defect with that fingerprint is open, filing it
again adds a comment and counts one more occurrence instead of opening a duplicate. Every text
that leaves through a tracker is redacted first (`redacted`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import BaseModel, Field

from actions.defects.config import DefectSeverity
from actions.insight.redact import redact

if TYPE_CHECKING:
    from actions.config import Settings
    from storage.store import Store

DefectStatus = Literal["open", "resolved"]


class DefectDraft(BaseModel):
    """A triaged finding, ready to file."""

    fingerprint: str = Field(min_length=1)
    title: str
    severity: DefectSeverity
    impact: str = ""
    service: str | None = None
    component: str | None = None
    labels: list[str] = Field(default_factory=list)
    evidence: str = ""
    step: str | None = None
    app: str | None = None
    version: str | None = None  # the release
    run_id: int | None = None
    run_url: str | None = None
    suggestion: str | None = None  # "Suggested by LLM (model): high — reason"; decides nothing

    @property
    def link(self) -> str:
        """Where to see the run: its URL, else `run <id>`."""
        return self.run_url or f"run {self.run_id}"


class Filed(BaseModel):
    """What filing did: opened `key` (created) or counted one more occurrence on it."""

    key: str
    created: bool
    occurrences: int = Field(ge=1)
    url: str | None = None


class Defect(BaseModel):
    """A filed defect as the tracker knows it now."""

    key: str
    fingerprint: str
    title: str
    severity: DefectSeverity | None = None
    impact: str = ""
    service: str | None = None
    status: DefectStatus
    tracker_status: str = ""  # the tracker's own word (Jira: "In Progress", "Done", ...)
    occurrences: int = 1
    app: str | None = None
    version: str | None = None
    run_id: int | None = None
    first_seen: str | None = None
    last_seen: str | None = None
    url: str | None = None


class DefectTracker(Protocol):
    """Where defects live: the built-in sqlite tracker or Jira."""

    name: str

    def file(self, draft: DefectDraft) -> Filed:
        """Open a defect, or comment and count one more occurrence on the open one."""
        ...

    def find_open(self, fingerprint: str) -> Defect | None:
        """The open defect with this fingerprint, if any."""
        ...

    def comment(self, key: str, text: str) -> None: ...

    def resolve(self, key: str, note: str) -> None:
        """Close the defect with a note (a re-check found it fixed)."""
        ...

    def status(self, key: str) -> DefectStatus:
        """`open` or `resolved`, as the tracker says now (people close defects there too)."""
        ...

    def list(self, release: str | None = None) -> list[Defect]:
        """Defects filed by preprod, all or those found on one release (version)."""
        ...


def redacted(draft: DefectDraft) -> DefectDraft:
    """The draft with every free text redacted (title, impact, evidence, labels, suggestion)."""
    return draft.model_copy(
        update={
            "title": redact(draft.title),
            "impact": redact(draft.impact),
            "evidence": redact(draft.evidence),
            "labels": [redact(label) for label in draft.labels],
            "suggestion": redact(draft.suggestion) if draft.suggestion else None,
        }
    )


def make_tracker(settings: Settings, store: Store, environ: Mapping[str, str]) -> DefectTracker:
    """The tracker the config chooses; Jira credentials come from `environ` (read once, here)."""
    config = settings.defects
    if config.tracker == "jira" and config.jira is not None:
        from actions.defects.jira_tracker import JiraTracker

        user = environ.get(config.jira.user_env) or None
        return JiraTracker(config.jira, user=user, token=environ.get(config.jira.token_env, ""))
    from actions.defects.builtin import BuiltinTracker

    return BuiltinTracker(store)
