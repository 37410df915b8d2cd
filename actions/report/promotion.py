"""Promote a release once its readiness report is approved: one call to a CI pipeline.

A GitHub Actions `workflow_dispatch`, a GitLab pipeline trigger or a plain JSON webhook, from the
`approval.promote` section of preprod.yaml. `build_request` is pure; `promote` makes the call with
the config's timeout and retries only when the pipeline surely did not start (no connection, 429,
503). The token comes from the caller (read from the variable `token_env` names) and never appears
in a detail, a log line or a repr.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from string import Formatter
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from actions.durations import parse_duration

NAMES = {"github": "GitHub", "gitlab": "GitLab", "webhook": "the webhook"}
PLACEHOLDERS = ("app", "version", "run", "environment", "verdict", "approvers")
GITHUB_MAX_INPUTS = 10  # GitHub Enterprise Server's limit; github.com has taken 25 since late 2025
MAX_RETRY_AFTER = 5.0  # seconds; a CI asking for a longer wait is reported, not waited for
_ALLOWED = " ".join(f"{{{name}}}" for name in PLACEHOLDERS)
_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
_GITLAB_KEY = re.compile(r"^[A-Za-z0-9_]+$")


class PromotionConfig(BaseModel):
    """`approval.promote`: which CI pipeline to call when a report's approval completes."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["github", "gitlab", "webhook"]
    url: str
    ref: str = Field("main", min_length=1)
    token_env: str = Field("PREPROD_PROMOTE_TOKEN", pattern=_ENV_NAME)
    inputs: dict[str, str] = Field(default_factory=dict)
    timeout: str = "10s"
    attempts: int = Field(3, ge=1, le=5)

    @field_validator("url")
    @classmethod
    def _an_http_url(cls, value: str) -> str:
        url = httpx.URL(value)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @field_validator("timeout")
    @classmethod
    def _a_duration(cls, value: str) -> str:
        if parse_duration(value) <= 0:
            raise ValueError("the timeout must be more than zero")
        return value

    @model_validator(mode="after")
    def _inputs_are_valid(self) -> PromotionConfig:
        check_inputs(self)
        return self


@dataclass(frozen=True)
class PromotionRequest:
    """The HTTP call to make; its repr shows no header value or body (they hold the token)."""

    method: str
    url: str
    headers: dict[str, str] = field(repr=False)
    json: dict[str, Any] | None = field(repr=False)
    data: dict[str, str] | None = field(repr=False)


@dataclass(frozen=True)
class PromotionOutcome:
    """What the call did: `detail` is one plain sentence for the approval thread."""

    ok: bool
    status: int | None
    detail: str
    attempts: int


def check_inputs(config: PromotionConfig) -> None:
    """Raise ValueError for an unknown placeholder, too many GitHub inputs or a bad GitLab key."""
    for key, template in config.inputs.items():
        _check_template(template, f"inputs[{key!r}]")
    if config.kind == "github" and len(config.inputs) > GITHUB_MAX_INPUTS:
        raise ValueError(
            f"GitHub takes at most {GITHUB_MAX_INPUTS} workflow inputs; {len(config.inputs)} are "
            f"configured ({', '.join(config.inputs)})"
        )
    bad = [key for key in config.inputs if not _GITLAB_KEY.match(key)]
    if config.kind == "gitlab" and bad:
        raise ValueError(f"GitLab variable names take letters, digits and _ only: {bad}")


def fill(template: str, facts: Mapping[str, str]) -> str:
    """`template` with its placeholders replaced by `facts` (a missing fact is empty)."""
    _check_template(template, repr(template))
    return template.format_map({name: str(facts.get(name, "")) for name in PLACEHOLDERS})


def build_request(
    config: PromotionConfig, *, token: str | None, facts: Mapping[str, str]
) -> PromotionRequest:
    """The request that promotes the release of `facts` as `config` says. Pure."""
    check_inputs(config)
    inputs = {key: fill(template, facts) for key, template in config.inputs.items()}
    headers = {"User-Agent": "preprod"}
    if config.kind != "webhook" and not token:
        raise ValueError(f"set {config.token_env} to the {NAMES[config.kind]} token to promote")
    if config.kind == "github":
        headers |= {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        body = {"ref": config.ref, "inputs": inputs}
        return PromotionRequest("POST", config.url, headers, body, None)
    if config.kind == "gitlab":
        form = {"token": str(token), "ref": config.ref}
        form |= {f"variables[{key}]": value for key, value in inputs.items()}
        return PromotionRequest(
            "POST", config.url, headers | {"Accept": "application/json"}, None, form
        )
    if token:
        headers["Authorization"] = f"Bearer {token}"
    facts_body = {name: str(facts.get(name, "")) for name in PLACEHOLDERS}
    return PromotionRequest("POST", config.url, headers, facts_body | inputs, None)


def _check_template(template: str, where: str) -> None:
    try:
        parts = list(Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc} (write {{{{ or }}}} for a literal brace)") from None
    for _, name, spec, conversion in parts:
        if name is not None and name not in PLACEHOLDERS:
            raise ValueError(
                f"{where}: unknown placeholder {{{name}}}; the allowed ones are {_ALLOWED}"
            )
        if name is not None and (spec or conversion):
            raise ValueError(f"{where}: write {{{name}}} without a format or conversion")


def where(url: str) -> str:
    """The URL without credentials or query, for a message."""
    parsed = httpx.URL(url)
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}{parsed.path}"
