"""The Jira tracker, driven through the real `jira` client against a fake Jira over real HTTP."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from actions.defects.config import JiraConfig
from actions.defects.jira_tracker import JiraTracker
from actions.defects.tracker import DefectDraft
from actions.errors import BackendUnavailable, EnvironmentFailure
from tests.fakes.jira_api import FakeJira
from tests.fakes.jira_search import parse_jql

SECRET = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"


@pytest.fixture
def fake() -> Iterator[FakeJira]:
    with FakeJira() as server:
        yield server


def _config(url: str, **extra: object) -> JiraConfig:
    fields: dict[str, object] = {
        "url": url,
        "project": "QA",
        "components": {"cart": "Cart Service"},
        "labels": ["team-shop"],
        "timeout": "2s",
    }
    return JiraConfig.model_validate(fields | extra)


def _tracker(fake: FakeJira, **extra: object) -> JiraTracker:
    return JiraTracker(_config(fake.url, **extra), user=fake.user, token=fake.token)


def _draft(fingerprint: str = "abc123", **extra: object) -> DefectDraft:
    fields: dict[str, object] = {
        "fingerprint": fingerprint,
        "title": "checkout returns 500",
        "severity": "critical",
        "impact": "no orders",
        "service": "cart",
        "evidence": f"POST /checkout 500 with token {SECRET}",
        "app": "shop",
        "version": "1.1.0",
        "run_id": 7,
    }
    return DefectDraft.model_validate(fields | extra)


def test_filing_creates_an_issue_with_mapped_fields(fake: FakeJira) -> None:
    filed = _tracker(fake).file(_draft())
    assert (filed.key, filed.created, filed.occurrences) == ("QA-1", True, 1)
    (create,) = fake.calls("POST", "/rest/api/2/issue")
    fields = create.body["fields"]
    assert fields["project"] == {"key": "QA"}
    assert fields["issuetype"] == {"name": "Bug"}
    assert fields["priority"] == {"name": "Highest"}
    assert fields["components"] == [{"name": "Cart Service"}]
    assert {"preprod", "preprod-abc123", "team-shop", "preprod-release-1.1.0"} <= set(
        fields["labels"]
    )
    assert "run 7" in fields["description"] and "no orders" in fields["description"]
    assert filed.url == f"{fake.url}/browse/QA-1"


def test_an_open_fingerprint_is_found_by_its_label(fake: FakeJira) -> None:
    tracker = _tracker(fake)
    tracker.file(_draft())
    found = tracker.find_open("abc123")
    assert found and (found.key, found.status, found.severity) == ("QA-1", "open", "critical")
    (search, *_) = fake.calls("GET", "/rest/api/2/search")
    assert parse_jql(search.params["jql"]) == [
        ("project", "=", "QA"),
        ("labels", "=", "preprod-abc123"),
        ("statusCategory", "!=", "Done"),
    ]


def test_a_duplicate_comments_and_counts_instead_of_filing(fake: FakeJira) -> None:
    tracker = _tracker(fake)
    tracker.file(_draft())
    again = tracker.file(_draft(run_id=8, run_url="https://chat/run/8"))
    third = tracker.file(_draft(run_id=9))
    assert (again.key, again.created, again.occurrences) == ("QA-1", False, 2)
    assert third.occurrences == 3
    assert len(fake.issues) == 1
    issue = fake.issues["QA-1"]
    assert [c["body"].splitlines()[0] for c in issue["comments"]] == [
        "Seen again (occurrence 2) in https://chat/run/8 on shop 1.1.0.",
        "Seen again (occurrence 3) in run 9 on shop 1.1.0.",
    ]
    assert "preprod-seen-3" in issue["fields"]["labels"]
    assert "preprod-seen-2" not in issue["fields"]["labels"]


def test_resolving_transitions_the_issue_with_a_note(fake: FakeJira) -> None:
    tracker = _tracker(fake)
    tracker.file(_draft())
    tracker.resolve("QA-1", "re-check on 1.1.1 passed")
    assert fake.issues["QA-1"]["fields"]["status"]["name"] == "Done"
    assert fake.issues["QA-1"]["comments"][-1]["body"] == "re-check on 1.1.1 passed"
    assert tracker.status("QA-1") == "resolved"
    assert tracker.find_open("abc123") is None


def test_status_is_synced_from_jira(fake: FakeJira) -> None:
    tracker = _tracker(fake)
    tracker.file(_draft())
    fake.set_status("QA-1", "In Progress")
    assert tracker.status("QA-1") == "open"
    (defect,) = tracker.list()
    assert defect.tracker_status == "In Progress"
    fake.set_status("QA-1", "Done")
    assert tracker.status("QA-1") == "resolved"


def test_list_by_release(fake: FakeJira) -> None:
    tracker = _tracker(fake)
    tracker.file(_draft("a", version="1.0.0"))
    tracker.file(_draft("b", version="1.1.0"))
    assert [d.fingerprint for d in tracker.list("1.1.0")] == ["b"]
    assert {d.key for d in tracker.list()} == {"QA-1", "QA-2"}


def test_a_missing_transition_is_a_plain_error(fake: FakeJira) -> None:
    tracker = _tracker(fake, resolve_transition="Close")
    tracker.file(_draft())
    with pytest.raises(EnvironmentFailure, match="no transition 'Close'"):
        tracker.resolve("QA-1", "fixed")


def test_a_planted_secret_never_reaches_jira(fake: FakeJira) -> None:
    tracker = _tracker(fake)
    tracker.file(_draft(title=f"leak {SECRET}"))
    tracker.file(_draft())
    tracker.comment("QA-1", f"seen with {SECRET}")
    tracker.resolve("QA-1", f"fixed; was {SECRET}")
    sent = fake.everything_sent()
    assert "[github-token:" in sent
    assert SECRET not in sent


def test_wrong_credentials_are_a_plain_error(fake: FakeJira) -> None:
    tracker = JiraTracker(_config(fake.url), user=fake.user, token="wrong")
    with pytest.raises(EnvironmentFailure) as caught:
        tracker.file(_draft())
    message = str(caught.value)
    assert "401" in message and "\n" not in message and "Traceback" not in message


def test_no_token_is_a_plain_error_without_calling_jira(fake: FakeJira) -> None:
    tracker = JiraTracker(_config(fake.url), user=None, token="")
    with pytest.raises(EnvironmentFailure, match="PREPROD_JIRA_TOKEN"):
        tracker.list()
    assert not fake.requests


def test_a_bearer_token_works_without_a_user(fake: FakeJira) -> None:
    tracker = JiraTracker(_config(fake.url), user=None, token=fake.token)
    assert tracker.list() == []
    assert fake.requests[-1].headers["authorization"] == f"Bearer {fake.token}"


def test_jira_down_is_a_plain_error_within_the_timeout() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    tracker = JiraTracker(_config(url), user="u", token="t")
    started = time.monotonic()
    with pytest.raises(BackendUnavailable) as caught:
        tracker.file(_draft())
    assert time.monotonic() - started < 5
    assert "did not answer" in str(caught.value) and "\n" not in str(caught.value)


def test_a_hanging_jira_times_out_as_a_plain_error(fake: FakeJira) -> None:
    tracker = _tracker(fake, timeout="300ms")
    tracker.list()  # connected and warmed up
    fake.delay = 4.0
    started = time.monotonic()
    with pytest.raises(BackendUnavailable, match="did not answer"):
        tracker.list()
    assert time.monotonic() - started < 3.0  # the fake waits 4 s


def test_a_server_error_is_a_plain_error(fake: FakeJira) -> None:
    tracker = _tracker(fake)
    tracker.list()
    fake.fail(500)
    with pytest.raises(BackendUnavailable, match="HTTP 500"):
        tracker.list()
