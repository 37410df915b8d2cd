"""The promotion hook: the request for each CI (pure), then the call over real HTTP against a fake
CI that answers as GitHub, GitLab and a webhook do, with its retries, limits and plain details."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from actions.report.promote_call import promote
from actions.report.promotion import PromotionConfig, PromotionOutcome, build_request
from tests.fakes.ci_api import FakeCI

TOKEN = "ghp_s3cr3t-promote-token"
FACTS = {
    "app": "shop",
    "version": "1.4.2",
    "run": "r-42",
    "environment": "staging",
    "verdict": "go",
    "approvers": "alice, bob",
}


@pytest.fixture
def fake() -> Iterator[FakeCI]:
    with FakeCI(token=TOKEN) as server:
        yield server


def _config(kind: str, url: str, **options: Any) -> PromotionConfig:
    return PromotionConfig.model_validate({"kind": kind, "url": url, **options})


def _promote(
    config: PromotionConfig, *, token: str | None = TOKEN
) -> tuple[PromotionOutcome, list[float]]:
    sleeps: list[float] = []
    return promote(config, token=token, facts=FACTS, sleep=sleeps.append), sleeps


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# the request, pure ------------------------------------------------------------------------------


def test_github_request_posts_the_ref_and_filled_inputs_with_githubs_headers() -> None:
    url = "https://api.github.com/repos/acme/shop/actions/workflows/promote.yml/dispatches"
    config = _config(
        "github", url, ref="release", inputs={"tag": "{app}-{version}", "by": "{approvers}"}
    )
    request = build_request(config, token=TOKEN, facts=FACTS)
    assert (request.method, request.url, request.data) == ("POST", url, None)
    assert request.json == {"ref": "release", "inputs": {"tag": "shop-1.4.2", "by": "alice, bob"}}
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"


def test_gitlab_request_is_a_form_with_the_token_ref_and_variables() -> None:
    url = "https://gitlab.example.com/api/v4/projects/42/trigger/pipeline"
    config = _config("gitlab", url, inputs={"RELEASE": "{version}", "RUN_ID": "{run}"})
    request = build_request(config, token=TOKEN, facts=FACTS)
    assert request.json is None
    assert request.data == {
        "token": TOKEN,
        "ref": "main",
        "variables[RELEASE]": "1.4.2",
        "variables[RUN_ID]": "r-42",
    }
    assert "Authorization" not in request.headers


def test_webhook_request_carries_the_facts_and_inputs_and_no_auth_without_a_token() -> None:
    config = _config("webhook", "https://hooks.example.com/promote", inputs={"note": "{verdict}!"})
    request = build_request(config, token=None, facts=FACTS)
    assert request.json == {**FACTS, "note": "go!"}
    assert "Authorization" not in request.headers
    assert build_request(config, token=TOKEN, facts=FACTS).headers["Authorization"] == (
        f"Bearer {TOKEN}"
    )


def test_literal_braces_and_missing_facts_fill_plainly() -> None:
    config = _config("webhook", "https://hooks.example.com/p", inputs={"j": '{{"v": "{version}"}}'})
    request = build_request(config, token=None, facts={"version": "2.0"})
    assert request.json is not None
    assert request.json["j"] == '{"v": "2.0"}'
    assert request.json["app"] == ""


def test_an_unknown_placeholder_names_itself_and_the_allowed_ones() -> None:
    config = _config("webhook", "https://hooks.example.com/p")
    bad = config.model_copy(update={"inputs": {"who": "{approver}"}})
    with pytest.raises(ValueError, match=r"unknown placeholder \{approver\}.*\{approvers\}"):
        build_request(bad, token=None, facts=FACTS)


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({"inputs": {"who": "{approver}"}}, r"unknown placeholder \{approver\}; the allowed ones"),
        ({"inputs": {"v": "{version!r}"}}, "without a format"),
        ({"inputs": {"v": "{version"}}, "literal brace"),
        ({"inputs": {f"in{i}": "x" for i in range(11)}}, "at most 10 workflow inputs; 11"),
        ({"timeout": "soon"}, "not a duration"),
        ({"token_env": "MY TOKEN"}, "token_env"),
        ({"attempts": 9}, "attempts"),
        ({"url": "ftp://ci.example.com/x"}, "not an http"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_a_bad_promotion_config_fails_at_load(options: dict[str, Any], complaint: str) -> None:
    url = "https://api.github.com/repos/acme/shop/actions/workflows/p.yml/dispatches"
    with pytest.raises(ValidationError, match=complaint):
        PromotionConfig.model_validate({"kind": "github", "url": url, **options})


def test_more_than_ten_github_inputs_are_refused_when_building() -> None:
    config = _config("github", "https://api.github.com/repos/a/b/actions/workflows/p/dispatches")
    eleven = config.model_copy(update={"inputs": {f"in{i}": "x" for i in range(11)}})
    with pytest.raises(ValueError, match="at most 10"):
        build_request(eleven, token=TOKEN, facts=FACTS)


def test_gitlab_variable_names_are_checked_at_load() -> None:
    url = "https://gitlab.example.com/api/v4/projects/42/trigger/pipeline"
    with pytest.raises(ValidationError, match="letters, digits and _"):
        _config("gitlab", url, inputs={"RELEASE-TAG": "{version}"})


def test_the_request_repr_shows_no_token() -> None:
    config = _config("gitlab", "https://gitlab.example.com/api/v4/projects/42/trigger/pipeline")
    assert TOKEN not in repr(build_request(config, token=TOKEN, facts=FACTS))


# the call, over real HTTP -----------------------------------------------------------------------


def test_github_dispatch_arrives_with_the_ref_inputs_and_token(fake: FakeCI) -> None:
    url = fake.workflow("acme/shop", "promote.yml")
    config = _config("github", url, inputs={"version": "{version}", "run": "{run}"})
    outcome, sleeps = _promote(config)
    assert outcome == PromotionOutcome(True, 204, "GitHub workflow dispatched on main (204)", 1)
    assert fake.dispatched("acme/shop", "promote.yml") == [
        {"ref": "main", "inputs": {"version": "1.4.2", "run": "r-42"}}
    ]
    assert fake.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert sleeps == []


def test_gitlab_trigger_sends_form_fields_and_reports_the_pipeline(fake: FakeCI) -> None:
    url = fake.project("42")
    outcome, _ = _promote(_config("gitlab", url, inputs={"RELEASE": "{app}@{version}"}))
    pipeline = fake.pipelines[0]
    assert outcome.ok and outcome.status == 201
    assert outcome.detail == f"GitLab pipeline {pipeline['id']} created: {pipeline['web_url']}"
    assert fake.requests[0].form == {
        "token": TOKEN,
        "ref": "main",
        "variables[RELEASE]": "shop@1.4.2",
    }
    assert pipeline["variables"] == {"RELEASE": "shop@1.4.2"}


def test_webhook_receives_the_release_facts(fake: FakeCI) -> None:
    outcome, _ = _promote(_config("webhook", f"{fake.url}/hooks/deploy"), token=None)
    assert outcome == PromotionOutcome(True, 200, "webhook answered 200", 1)
    assert fake.hooks == [("deploy", FACTS)]


def test_a_webhook_that_wants_a_token_says_which_variable_to_set(fake: FakeCI) -> None:
    fake.hook_token = TOKEN
    outcome, _ = _promote(_config("webhook", f"{fake.url}/hooks/p"), token=None)
    assert (outcome.ok, outcome.status) == (False, 401)
    assert outcome.detail == (
        "the webhook refused the call (HTTP 401): set PREPROD_PROMOTE_TOKEN if it needs a token"
    )
    assert _promote(_config("webhook", f"{fake.url}/hooks/p"))[0].ok


def test_a_refused_token_names_its_variable_and_never_the_token(fake: FakeCI) -> None:
    config = _config("github", fake.workflow("acme/shop", "promote.yml"), token_env="CI_TOKEN")
    outcome, sleeps = _promote(config, token="ghp_wrong-token")
    assert (outcome.ok, outcome.status, outcome.attempts) == (False, 401, 1)
    assert outcome.detail == "GitHub refused the token in CI_TOKEN (HTTP 401): Bad credentials"
    assert "ghp_wrong-token" not in repr(outcome)
    assert sleeps == []


def test_a_wrong_gitlab_trigger_token_is_reported_as_not_found(fake: FakeCI) -> None:
    outcome, _ = _promote(_config("gitlab", fake.project("42")), token="glptt-wrong")
    assert (outcome.ok, outcome.status) == (False, 404)
    assert (
        "was not found (HTTP 404): check the url and that the token in PREPROD_PROMOTE_TOKEN"
        in (outcome.detail)
    )


def test_a_workflow_without_a_dispatch_trigger_reports_githubs_message(fake: FakeCI) -> None:
    url = fake.workflow("acme/shop", "ci.yml", dispatch=False)
    outcome, _ = _promote(_config("github", url))
    assert (outcome.ok, outcome.status, outcome.attempts) == (False, 422, 1)
    assert outcome.detail == (
        "GitHub answered HTTP 422: Workflow does not have 'workflow_dispatch' trigger"
    )


def test_503_twice_then_success_is_ok_after_three_attempts(fake: FakeCI) -> None:
    fake.fail_next(503, times=2)
    outcome, sleeps = _promote(_config("github", fake.workflow("acme/shop", "promote.yml")))
    assert (outcome.ok, outcome.status, outcome.attempts) == (True, 204, 3)
    assert sleeps == [0.5, 1.0]
    assert len(fake.dispatched("acme/shop", "promote.yml")) == 1


def test_retry_after_is_honoured(fake: FakeCI) -> None:
    fake.fail_next(429, retry_after="2")
    outcome, sleeps = _promote(_config("gitlab", fake.project("42")))
    assert (outcome.ok, outcome.attempts, sleeps) == (True, 2, [2.0])


def test_a_longer_retry_after_is_reported_not_waited_for(fake: FakeCI) -> None:
    fake.fail_next(429, retry_after="60", times=3)
    outcome, sleeps = _promote(_config("gitlab", fake.project("42")))
    assert (outcome.ok, outcome.status, outcome.attempts, sleeps) == (False, 429, 1, [])
    assert outcome.detail == (
        "GitLab is busy (HTTP 429) and asks to wait 60 s; nothing was started (1 attempt)"
    )


def test_githubs_secondary_rate_limit_403_is_retried_not_called_a_bad_token(fake: FakeCI) -> None:
    fake.fail_next(
        403, retry_after="1", body={"message": "You have exceeded a secondary rate limit"}
    )
    outcome, sleeps = _promote(_config("github", fake.workflow("acme/shop", "promote.yml")))
    assert (outcome.ok, outcome.attempts, sleeps) == (True, 2, [1.0])


def test_503_forever_gives_up_after_the_configured_attempts(fake: FakeCI) -> None:
    fake.fail_next(503, times=10)
    config = _config("github", fake.workflow("acme/shop", "promote.yml"), attempts=4)
    outcome, sleeps = _promote(config)
    assert (outcome.ok, outcome.status, outcome.attempts) == (False, 503, 4)
    assert outcome.detail == "GitHub is busy (HTTP 503); nothing was started (4 attempts)"
    assert sleeps == [0.5, 1.0, 2.0] and len(fake.requests) == 4


def test_a_read_timeout_is_not_retried_and_says_the_pipeline_may_have_started(fake: FakeCI) -> None:
    fake.delay_next(6.0)
    config = _config("github", fake.workflow("acme/shop", "promote.yml"), timeout="300ms")
    started = time.monotonic()
    outcome, sleeps = _promote(config)
    assert time.monotonic() - started < 4.0  # the CI would take 6 s
    assert (outcome.ok, outcome.status, outcome.attempts, sleeps) == (False, None, 1, [])
    assert outcome.detail == (
        "GitHub did not answer within 300ms; the pipeline may have started: "
        "check the CI before promoting again"
    )
    assert len(fake.requests) == 1


def test_a_refused_connection_is_retried_then_reported_plainly() -> None:
    port = _closed_port()
    config = _config("webhook", f"http://127.0.0.1:{port}/hooks/p?key=abc")
    outcome, sleeps = _promote(config, token=None)
    assert (outcome.ok, outcome.status, outcome.attempts, sleeps) == (False, None, 3, [0.5, 1.0])
    assert outcome.detail.startswith(f"could not connect to http://127.0.0.1:{port}/hooks/p (")
    assert outcome.detail.endswith("; nothing was started (3 attempts)")
    assert "Traceback" not in outcome.detail and "key=abc" not in outcome.detail


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_without_a_token_no_request_is_made(fake: FakeCI, kind: str) -> None:
    url = fake.workflow("acme/shop", "p.yml") if kind == "github" else fake.project("42")
    outcome, _ = _promote(_config(kind, url, token_env="RELEASE_CI_TOKEN"), token="  ")
    assert (outcome.ok, outcome.status, outcome.attempts) == (False, None, 0)
    assert outcome.detail.startswith("set RELEASE_CI_TOKEN to the Git")
    assert outcome.detail.endswith("token to promote; nothing was called")
    assert fake.requests == []


def test_a_server_error_is_not_retried_and_an_echoed_token_is_hidden(fake: FakeCI) -> None:
    fake.fail_next(500, body={"message": f"internal error handling token {TOKEN}"})
    outcome, sleeps = _promote(_config("gitlab", fake.project("42")))
    assert (outcome.ok, outcome.status, outcome.attempts, sleeps) == (False, 500, 1, [])
    assert TOKEN not in outcome.detail
    assert "[token hidden]" in outcome.detail and "may have started" in outcome.detail


def test_the_token_never_reaches_the_logs(fake: FakeCI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake.fail_next(503)
    _promote(_config("gitlab", fake.project("42")))
    _promote(_config("github", fake.workflow("acme/shop", "promote.yml")), token=TOKEN + "-bad")
    assert "promotion via gitlab: GitLab pipeline" in caplog.text
    assert TOKEN not in caplog.text


def test_a_callers_client_is_used_and_left_open(fake: FakeCI) -> None:
    with httpx.Client(headers={"X-Trace": "t-1"}) as client:
        config = _config("webhook", f"{fake.url}/hooks/p")
        outcome = promote(config, token=None, facts=FACTS, client=client)
        assert outcome.ok and not client.is_closed
    assert fake.requests[0].headers["x-trace"] == "t-1"
