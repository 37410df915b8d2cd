"""Promote a release once its readiness report is approved: one call to a CI pipeline.

A GitHub Actions `workflow_dispatch`, a GitLab pipeline trigger or a plain JSON webhook, from the
`approval.promote` section of preprod.yaml. `build_request` is pure; `promote` makes the call with
the config's timeout and retries only when the pipeline surely did not start (no connection, 429,
503). The token comes from the caller (read from the variable `token_env` names) and never appears
in a detail, a log line or a repr.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from string import Formatter
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from actions.durations import parse_duration

PLACEHOLDERS = ("app", "version", "run", "environment", "verdict", "approvers")
GITHUB_MAX_INPUTS = 10  # GitHub Enterprise Server's limit; github.com has taken 25 since late 2025
MAX_RETRY_AFTER = 5.0  # seconds; a CI asking for a longer wait is reported, not waited for
_NAMES = {"github": "GitHub", "gitlab": "GitLab", "webhook": "the webhook"}
_ALLOWED = " ".join(f"{{{name}}}" for name in PLACEHOLDERS)
_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
_GITLAB_KEY = re.compile(r"^[A-Za-z0-9_]+$")
_MAY_HAVE_STARTED = "the pipeline may have started: check the CI before promoting again"
logger = logging.getLogger(__name__)


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
        raise ValueError(f"set {config.token_env} to the {_NAMES[config.kind]} token to promote")
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


def promote(
    config: PromotionConfig,
    *,
    token: str | None,
    facts: Mapping[str, str],
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PromotionOutcome:
    """Call the CI pipeline, retried only while it surely did not start. Never raises."""
    token = (token or "").strip() or None
    try:
        request = build_request(config, token=token, facts=facts)
    except ValueError as exc:  # no token, or a config that skipped validation: no call
        return _done(config, PromotionOutcome(False, None, f"{exc}; nothing was called", 0))
    http = client or httpx.Client()
    tries = 0
    retrying = Retrying(
        stop=stop_after_attempt(config.attempts),
        wait=_wait,
        retry=retry_if_exception(lambda exc: isinstance(exc, _Again) and exc.worth_retrying),
        sleep=sleep,
        reraise=True,
    )
    try:
        for attempt in retrying:
            with attempt:
                tries += 1
                outcome = _send(http, request, config, token)
    except _Again as again:
        times = f"{tries} attempt{'s' if tries > 1 else ''}"
        outcome = PromotionOutcome(
            False, again.status, f"{again}; nothing was started ({times})", 0
        )
    finally:
        if client is None:
            http.close()
    return _done(config, replace(outcome, attempts=tries))


class _Again(Exception):
    """This attempt surely did not start the pipeline; another one may succeed."""

    def __init__(self, detail: str, status: int | None = None, wait: float | None = None):
        super().__init__(detail)
        self.status, self.wait = status, wait
        self.worth_retrying = wait is None or wait <= MAX_RETRY_AFTER


def _send(
    http: httpx.Client, request: PromotionRequest, config: PromotionConfig, token: str | None
) -> PromotionOutcome:
    where, name = _where(config.url), _NAMES[config.kind]
    try:
        response = http.request(
            request.method,
            request.url,
            headers=request.headers,
            json=request.json,
            data=request.data,
            timeout=parse_duration(config.timeout),
        )
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise _Again(f"could not connect to {where} ({_why(exc, token)})") from None
    except httpx.TimeoutException:  # the request went out: the CI may be acting on it
        detail = f"{name} did not answer within {config.timeout}; {_MAY_HAVE_STARTED}"
        return PromotionOutcome(False, None, detail, 0)
    except httpx.TransportError as exc:
        detail = f"the call to {where} broke off ({_why(exc, token)}); {_MAY_HAVE_STARTED}"
        return PromotionOutcome(False, None, detail, 0)
    status = response.status_code
    if status < 300:
        return PromotionOutcome(True, status, _success(config, response), 0)
    if status in (429, 503) or _github_rate_limited(response):
        wait = _retry_after(response)
        if wait is not None and wait > MAX_RETRY_AFTER:
            raise _Again(
                f"{name} is busy (HTTP {status}) and asks to wait {wait:.0f} s", status, wait
            )
        raise _Again(f"{name} is busy (HTTP {status})", status, wait)
    return PromotionOutcome(
        False, status, _explain(config, status, _reason(response, token), token), 0
    )


def _explain(config: PromotionConfig, status: int, said: str, token: str | None) -> str:
    name, env = _NAMES[config.kind], config.token_env
    if status in (401, 403) and token is None:
        return f"{name} refused the call (HTTP {status}): set {env} if it needs a token"
    if status in (401, 403):
        return f"{name} refused the token in {env} (HTTP {status}): {said}"
    if status == 404:
        return (
            f"{_where(config.url)} was not found (HTTP 404): check the url and that the token "
            f"in {env} can see the project"
        )
    if status >= 500:
        return f"{name} answered HTTP {status}: {said}; {_MAY_HAVE_STARTED}"
    return f"{name} answered HTTP {status}: {said}"


def _success(config: PromotionConfig, response: httpx.Response) -> str:
    status = response.status_code
    if config.kind == "github":
        return f"GitHub workflow dispatched on {config.ref} ({status})"
    if config.kind == "webhook":
        return f"webhook answered {status}"
    try:
        pipeline = response.json()
        return f"GitLab pipeline {pipeline['id']} created: {pipeline['web_url']}"
    except (ValueError, KeyError, TypeError):
        return f"GitLab pipeline created ({status})"


def _done(config: PromotionConfig, outcome: PromotionOutcome) -> PromotionOutcome:
    log = logger.info if outcome.ok else logger.warning
    log("promotion via %s: %s (attempts: %d)", config.kind, outcome.detail, outcome.attempts)
    return outcome


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


def _wait(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    hinted = error.wait if isinstance(error, _Again) else None
    return hinted if hinted is not None else min(0.5 * 2 ** (state.attempt_number - 1), 2.0)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:  # the other form is an HTTP date
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


def _github_rate_limited(response: httpx.Response) -> bool:
    # GitHub answers 403, not 429, for a spent (or secondary) rate limit, with these headers
    headers = response.headers
    return response.status_code == 403 and (
        headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers
    )


def _reason(response: httpx.Response, token: str | None) -> str:
    text = _hide(response.text, token)
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    said = body.get("message") or body.get("error") if isinstance(body, dict) else None
    if said:
        text = said if isinstance(said, str) else json.dumps(said)
    text = " ".join(text.split()) or response.reason_phrase
    return text[:197] + "..." if len(text) > 200 else text


def _why(exc: Exception, token: str | None) -> str:
    return _hide(str(exc) or type(exc).__name__, token)[:120]


def _hide(text: str, token: str | None) -> str:
    # a CI that echoes the token in its error must not make us repeat it
    return text.replace(token, "[token hidden]") if token else text


def _where(url: str) -> str:
    parsed = httpx.URL(url)  # without credentials or query, for a message
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}{parsed.path}"
