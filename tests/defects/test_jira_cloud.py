"""Jira Cloud: searches page by token on `/search/jql`, since Cloud answers 410 on `/search`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from actions.defects.config import JiraConfig
from actions.defects.jira_tracker import JiraTracker
from actions.defects.tracker import DefectDraft
from tests.fakes.jira_api import FakeJira

JQL_SEARCH = r"/rest/api/[23]/search/jql"
OLD_SEARCH = r"/rest/api/[23]/search"


@pytest.fixture
def cloud() -> Iterator[FakeJira]:
    with FakeJira(deployment="Cloud") as server:
        yield server


def _tracker(fake: FakeJira, **extra: object) -> JiraTracker:
    fields: dict[str, object] = {"url": fake.url, "project": "QA", "timeout": "2s"}
    config = JiraConfig.model_validate(fields | extra)
    return JiraTracker(config, user=fake.user, token=fake.token)


def _draft(fingerprint: str, version: str = "1.1.0") -> DefectDraft:
    return DefectDraft(
        fingerprint=fingerprint, title=f"{fingerprint} fails", severity="high", version=version
    )


def test_cloud_lists_every_page_by_token(cloud: FakeJira) -> None:
    tracker = _tracker(cloud, deployment="cloud")
    for n in range(5):
        tracker.file(_draft(f"fp{n}"))
    cloud.search.page_cap = 2
    cloud.requests.clear()
    assert {d.fingerprint for d in tracker.list()} == {f"fp{n}" for n in range(5)}
    pages = cloud.calls("GET", JQL_SEARCH)
    assert [p.params.get("nextPageToken") for p in pages] == [None, "tok-1", "tok-2"]
    assert not cloud.calls("GET", OLD_SEARCH)


def test_cloud_finds_an_open_fingerprint_and_counts_it_again(cloud: FakeJira) -> None:
    tracker = _tracker(cloud, deployment="cloud")
    tracker.file(_draft("abc"))
    again = tracker.file(_draft("abc"))
    assert (again.key, again.created, again.occurrences) == ("QA-1", False, 2)
    assert len(cloud.issues) == 1
    assert all(r.status != 410 for r in cloud.requests)


def test_cloud_searches_reconcile_the_issues_just_filed(cloud: FakeJira) -> None:
    tracker = _tracker(cloud, deployment="cloud")
    tracker.file(_draft("abc"))
    tracker.find_open("abc")
    last = cloud.calls("GET", JQL_SEARCH)[-1]
    assert last.params["reconcileIssues"] == cloud.issues["QA-1"]["id"]


def test_a_failed_cloud_page_is_tried_again_without_starting_over(cloud: FakeJira) -> None:
    tracker = _tracker(cloud, deployment="cloud")
    for n in range(3):
        tracker.file(_draft(f"fp{n}"))
    cloud.search.page_cap, cloud.search.busy_pages = 2, 1
    cloud.requests.clear()
    assert len(tracker.list()) == 3
    tokens = [p.params.get("nextPageToken") for p in cloud.calls("GET", JQL_SEARCH)]
    assert tokens == [None, "tok-1", "tok-1"]


def test_a_server_config_still_reaches_cloud_search_when_jira_says_it_is_cloud(
    cloud: FakeJira,
) -> None:
    tracker = _tracker(cloud, deployment="server")
    tracker.file(_draft("abc"))
    assert [d.key for d in tracker.list()] == ["QA-1"]
    assert not cloud.calls("GET", OLD_SEARCH)


def test_the_cloud_fake_answers_410_on_the_removed_search(cloud: FakeJira) -> None:
    for version in (2, 3):
        answer = requests.get(
            f"{cloud.url}/rest/api/{version}/search",
            params={"jql": "project = QA"},
            auth=(cloud.user, cloud.token),
            timeout=2,
        )
        assert answer.status_code == 410
        assert "/rest/api/3/search/jql" in answer.json()["errorMessages"][0]


def test_the_server_fake_has_no_token_search() -> None:
    with FakeJira() as server:
        answer = requests.get(
            f"{server.url}/rest/api/2/search/jql",
            params={"jql": "project = QA"},
            auth=(server.user, server.token),
            timeout=2,
        )
    assert answer.status_code == 404


@pytest.mark.parametrize(
    ("url", "given", "expected"),
    [
        ("https://acme.atlassian.net", None, "cloud"),
        ("https://ACME.Atlassian.net/", None, "cloud"),
        ("https://jira.acme.com", None, "server"),
        ("https://acme.atlassian.net", "server", "server"),
        ("https://jira.acme.com", "cloud", "cloud"),
    ],
)
def test_the_deployment_follows_the_host_unless_given(
    url: str, given: str | None, expected: str
) -> None:
    fields = {"url": url, "project": "QA"} | ({"deployment": given} if given else {})
    assert JiraConfig.model_validate(fields).deployment == expected
