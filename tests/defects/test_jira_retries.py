"""Bounded retries on Jira: reads are tried again on passing trouble; no create is sent twice."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
import requests

from actions.defects.config import JiraConfig
from actions.defects.jira_retry import transient, unsent, wait_s
from actions.defects.jira_tracker import JiraTracker
from actions.defects.tracker import DefectDraft
from actions.errors import BackendUnavailable, EnvironmentFailure
from tests.fakes.jira_api import FakeJira

SEARCH = "/rest/api/2/search"


@pytest.fixture
def fake() -> Iterator[FakeJira]:
    with FakeJira() as server:
        yield server


def _tracker(fake: FakeJira) -> JiraTracker:
    config = JiraConfig(url=fake.url, project="QA", timeout="2s")
    tracker = JiraTracker(config, user=fake.user, token=fake.token)
    tracker.list()  # connected: what follows is the call under test
    fake.requests.clear()
    return tracker


def _draft(fingerprint: str = "abc123") -> DefectDraft:
    return DefectDraft(fingerprint=fingerprint, title="checkout returns 500", severity="high")


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_search_is_tried_again_after_a_gateway_or_unavailable_answer(
    fake: FakeJira, status: int
) -> None:
    tracker = _tracker(fake)
    fake.fail(status, times=2)
    assert tracker.list() == []
    assert [r.status for r in fake.calls("GET", SEARCH)] == [status, status, 200]


def test_a_search_gives_up_after_three_attempts_with_the_plain_error(fake: FakeJira) -> None:
    tracker = _tracker(fake)
    fake.fail(503, times=5)
    started = time.monotonic()
    with pytest.raises(BackendUnavailable) as caught:
        tracker.list()
    assert len(fake.calls("GET", SEARCH)) == 3
    assert time.monotonic() - started < 3  # 0.2 s, then 0.4 s
    message = str(caught.value)
    assert "HTTP 503" in message and "3 attempts" in message and "\n" not in message


def test_a_rate_limited_read_waits_what_retry_after_asks(fake: FakeJira) -> None:
    tracker = _tracker(fake)
    fake.fail(429, retry_after="1")
    started = time.monotonic()
    assert tracker.list() == []
    first, second = fake.calls("GET", SEARCH)
    assert second.at - first.at >= 0.95
    assert time.monotonic() - started < 5


def test_a_rate_limit_asking_more_than_five_seconds_fails_at_once(fake: FakeJira) -> None:
    tracker = _tracker(fake)
    fake.fail(429, retry_after="30")
    started = time.monotonic()
    with pytest.raises(BackendUnavailable, match=r"HTTP 429.*asks to wait 30 s"):
        tracker.list()
    assert time.monotonic() - started < 10  # not the 30 s asked
    assert len(fake.calls("GET", SEARCH)) == 1


def test_a_status_read_is_tried_again_after_a_dropped_connection(fake: FakeJira) -> None:
    tracker = _tracker(fake)
    tracker.file(_draft())
    fake.drop("GET", r"/rest/api/2/issue/QA-1")
    assert tracker.status("QA-1") == "open"
    assert len(fake.calls("GET", r"/rest/api/2/issue/QA-1")) == 2


def test_a_client_error_is_not_tried_again(fake: FakeJira) -> None:
    tracker = _tracker(fake)
    with pytest.raises(EnvironmentFailure, match="HTTP 404"):
        tracker.status("QA-99")
    assert len(fake.calls("GET", r"/rest/api/2/issue/QA-99")) == 1


def test_a_create_whose_answer_was_lost_is_not_sent_again(fake: FakeJira) -> None:
    tracker = _tracker(fake)
    fake.drop("POST", r"/rest/api/2/issue")
    with pytest.raises(BackendUnavailable, match="Jira create failed"):
        tracker.file(_draft())
    assert len(fake.calls("POST", r"/rest/api/2/issue")) == 1
    assert list(fake.issues) == ["QA-1"]  # it happened once; the next filing finds it
    again = tracker.file(_draft())
    assert (again.key, again.created, again.occurrences) == ("QA-1", False, 2)


def test_a_create_that_could_not_connect_is_sent_once_jira_is_back(fake: FakeJira) -> None:
    tracker = _tracker(fake)
    fake.refuse_after("GET", SEARCH, seconds=0.3)  # the duplicate check, then no listener
    filed = tracker.file(_draft())
    assert (filed.key, filed.created) == ("QA-1", True)
    (search,) = fake.calls("GET", SEARCH)
    (create,) = fake.calls("POST", r"/rest/api/2/issue")
    assert create.at - search.at >= 0.25  # refused until the listener came back
    assert list(fake.issues) == ["QA-1"]


def test_a_comment_whose_answer_was_lost_is_not_sent_again(fake: FakeJira) -> None:
    tracker = _tracker(fake)
    tracker.file(_draft())
    fake.drop("POST", r"/rest/api/2/issue/QA-1/comment")
    with pytest.raises(BackendUnavailable, match="Jira comment failed"):
        tracker.comment("QA-1", "still failing")
    assert len(fake.issues["QA-1"]["comments"]) == 1


def _refused() -> requests.ConnectionError:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        requests.get(f"http://127.0.0.1:{port}/", timeout=1)
    except requests.ConnectionError as exc:
        return exc
    raise AssertionError("nothing listens there")


def test_a_refused_connection_is_unsent_and_transient() -> None:
    refused = _refused()
    assert unsent(refused) and transient(refused)


def test_a_timeout_is_neither_retried_nor_unsent() -> None:
    timeout = requests.ReadTimeout("read timed out")
    assert not transient(timeout) and not unsent(timeout)


def test_waits_double_from_a_fifth_of_a_second() -> None:
    assert [wait_s(None, n) for n in (1, 2)] == [0.2, 0.4]


def _answer(status: int, **headers: str) -> Exception:
    from jira.exceptions import JIRAError

    response = requests.Response()
    response.status_code = status
    response.headers.update(headers)
    return JIRAError("said so", status_code=status, response=response)


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (429, {}, True),
        (429, {"Retry-After": "5"}, True),
        (429, {"Retry-After": "6"}, False),
        (
            429,
            {
                "Retry-After": "Wed, 21 Oct 2025 07:28:02 GMT",
                "Date": "Wed, 21 Oct 2025 07:28:00 GMT",
            },
            True,
        ),
        (502, {}, True),
        (500, {}, False),
        (401, {}, False),
        (404, {}, False),
    ],
)
def test_which_answers_a_read_tries_again(
    status: int, headers: dict[str, str], expected: bool
) -> None:
    assert transient(_answer(status, **headers)) is expected


def test_a_rate_limit_waits_what_it_asks_even_as_a_date() -> None:
    dated = _answer(
        429,
        **{"Retry-After": "Wed, 21 Oct 2025 07:28:02 GMT", "Date": "Wed, 21 Oct 2025 07:28:00 GMT"},
    )
    assert wait_s(dated, 1) == 2.0
    assert wait_s(_answer(429, **{"Retry-After": "3"}), 2) == 3.0
