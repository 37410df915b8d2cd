"""The `defects:` section of preprod.yaml: which tracker files findings, from what severity, how.

Credentials are never here: the Jira user and token are read from the environment variables named
by `user_env` and `token_env`, by whoever builds the tracker (`tracker.make_tracker`).
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from actions.durations import parse_duration

DefectSeverity = Literal["blocker", "critical", "high", "medium", "low"]
"""How bad a filed defect is, worst first; a finding's severity plus `blocker`."""

DEFECT_SEVERITIES: tuple[DefectSeverity, ...] = ("blocker", "critical", "high", "medium", "low")

FindingSeverityName = Literal["info", "low", "medium", "high", "critical"]

_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


def severity_rank(severity: str) -> int:
    """0 for `low` up to 4 for `blocker`: larger is worse."""
    return len(DEFECT_SEVERITIES) - 1 - DEFECT_SEVERITIES.index(severity)  # type: ignore[arg-type]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _default_priorities() -> dict[DefectSeverity, str]:
    return {
        "blocker": "Highest",
        "critical": "Highest",
        "high": "High",
        "medium": "Medium",
        "low": "Low",
    }


class JiraConfig(_Strict):
    """A Jira project to file defects in (Server, Data Center or Cloud).

    `deployment` chooses the search API: `server` (and Data Center) pages `/search` by offset;
    `cloud` pages `/search/jql` by token (Cloud removed `/search`). Unset, a URL on
    `.atlassian.net` is `cloud` and any other `server`.
    """

    url: str = Field(min_length=1)
    deployment: Literal["server", "cloud"] = "server"
    project: str = Field(min_length=1, pattern=r"^[A-Z][A-Z0-9_]*$")
    issue_type: str = "Bug"
    priority: dict[DefectSeverity, str] = Field(default_factory=_default_priorities)
    components: dict[str, str] = Field(default_factory=dict)  # service -> Jira component
    labels: list[str] = Field(default_factory=list)
    user_env: str = Field("PREPROD_JIRA_USER", pattern=_ENV_NAME)  # unset: token auth (PAT)
    token_env: str = Field("PREPROD_JIRA_TOKEN", pattern=_ENV_NAME)
    resolve_transition: str = "Done"
    timeout: str = "10s"  # each HTTP call
    # The client's own retries, on top of preprod's (reads: 3 attempts, short waits; writes: only
    # when nothing was sent). The client sleeps 20 s and more and retries writes too: keep it 0.
    max_retries: int = Field(0, ge=0, le=2)

    @field_validator("timeout")
    @classmethod
    def _a_duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("labels")
    @classmethod
    def _no_spaces(cls, labels: list[str]) -> list[str]:
        bad = [label for label in labels if not label or any(c.isspace() for c in label)]
        if bad:
            raise ValueError(f"Jira labels cannot be empty or contain spaces: {bad}")
        return labels

    @model_validator(mode="after")
    def _every_severity_has_a_priority(self) -> JiraConfig:
        self.priority = {**_default_priorities(), **self.priority}
        return self

    @model_validator(mode="after")
    def _cloud_by_its_host(self) -> JiraConfig:
        host = (urlsplit(self.url).hostname or "").lower()
        if "deployment" not in self.model_fields_set and host.endswith(".atlassian.net"):
            self.deployment = "cloud"
        return self


class TriageWhen(_Strict):
    """What a rule matches; every condition given must hold (none given: every finding)."""

    step: str | None = None
    service: str | None = None
    finding_severity: FindingSeverityName | None = None
    title_contains: str | None = None
    key_slo: bool | None = None  # the finding's step has a failed key SLO (or has none)


class TriageRule(_Strict):
    """`{when: {...}, severity: blocker, impact: "..."}`: the first matching rule decides."""

    when: TriageWhen = Field(default_factory=TriageWhen)
    severity: DefectSeverity
    impact: str = ""


class DefectsConfig(_Strict):
    """`defects:`: the tracker, the least severity filed, Jira's section and the triage rules."""

    tracker: Literal["builtin", "jira"] = "builtin"
    file_from: Literal["low", "medium", "high", "critical"] = "high"  # the least severity filed
    jira: JiraConfig | None = None
    triage: list[TriageRule] = Field(default_factory=list)
    # ask the LLM of `insight.llm` for a second opinion on each filing's severities; it is shown
    # as "Suggested by LLM (model): ..." and never changes what the rules decided
    llm_suggest: bool = False

    @model_validator(mode="after")
    def _jira_needs_its_section(self) -> DefectsConfig:
        if self.tracker == "jira" and self.jira is None:
            raise ValueError("tracker: jira needs a jira section (url, project)")
        return self
