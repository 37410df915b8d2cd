"""Teams: the Adaptive Card is pure and small enough; the notifier posts it over real HTTP to a fake
webhook, retries what is worth retrying, and never logs the webhook's secret path."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from actions.report.failure_notice import UNOWNED, NotificationsConfig
from bot.teams import TeamsNotifier, notifier_from_env
from bot.teams_card import CARD_BUDGET, CARD_LIMIT, teams_card
from tests.fakes.teams_webhook import FakeTeams, card_problem
from tests.report.notices import sample_notice

NOTICE = sample_notice()


@pytest.fixture
def teams() -> Iterator[FakeTeams]:
    with FakeTeams() as fake:
        yield fake


@pytest.fixture
def sleeps() -> list[float]:
    return []


_made: list[TeamsNotifier] = []


@pytest.fixture(autouse=True)
def _close_notifiers() -> Iterator[None]:
    yield
    while _made:
        _made.pop().close()


def notifier(
    url: str, sleeps: list[float], *, attempts: int = 3, client: httpx.Client | None = None
) -> TeamsNotifier:
    """A notifier that sleeps into `sleeps` (no real waiting); closed after the test."""
    made = TeamsNotifier(url, timeout=5.0, attempts=attempts, client=client, sleep=sleeps.append)
    _made.append(made)
    return made


def texts(message: dict) -> str:
    return json.dumps(message["attachments"][0]["content"]["body"], ensure_ascii=False)


def test_the_card_has_the_shape_both_kinds_of_webhook_accept() -> None:
    message = teams_card(NOTICE)
    assert message["type"] == "message"
    [attachment] = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    card = attachment["content"]
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert {block["type"] for block in card["body"]} == {"TextBlock", "FactSet"}
    assert card_problem(json.dumps(message).encode()) is None


def test_the_card_tells_headline_reasons_each_service_and_the_unowned_lines() -> None:
    shown = texts(teams_card(NOTICE))
    for text in (
        "no-go (SLO score 40%)",
        "2 of 9 tests failed",
        "Service payments",
        "double charge",
    ):
        assert text in shown
    assert "Not tied to a service" in shown and "too slow" in shown
    assert "preprod status 12" in shown


def test_the_card_for_one_channel_shows_only_its_services() -> None:
    shown = texts(teams_card(NOTICE, services=["checkout"]))
    assert "Service checkout" in shown
    assert "payments" not in shown and "too slow" not in shown
    assert "too slow" in texts(teams_card(NOTICE, services=["checkout", UNOWNED]))


def test_a_huge_notice_is_cut_under_the_size_limit_and_says_how_much_more() -> None:
    lines = [f"critical · e2e: {'x' * 900} {i}" for i in range(5)]
    services = {f"service-{i:03}": lines for i in range(300)}
    big = NOTICE.model_copy(update={"services": services, "reasons": lines * 2})
    message = teams_card(big)
    size = len(json.dumps(message).encode())
    assert size <= CARD_BUDGET < CARD_LIMIT
    assert "more services" in texts(message)


def test_a_huge_notice_is_still_accepted_by_teams(teams: FakeTeams, sleeps: list[float]) -> None:
    lines = [f"critical · e2e: {'é<>' * 300} {i}" for i in range(5)]
    big = NOTICE.model_copy(update={"services": {f"s{i}": lines for i in range(300)}})
    assert notifier(teams.legacy_url, sleeps).send(big) is True
    assert teams.requests[0].status == 200


@pytest.mark.parametrize("kind", ["legacy_url", "workflows_url"])
def test_the_card_is_accepted_by_both_kinds_of_webhook(
    teams: FakeTeams, sleeps: list[float], kind: str
) -> None:
    assert notifier(getattr(teams, kind), sleeps).send(NOTICE) is True
    [posted] = teams.requests
    assert posted.status in (200, 202)
    assert posted.headers["content-type"].startswith("application/json")
    assert posted.json()["attachments"][0]["content"]["type"] == "AdaptiveCard"
    assert sleeps == []


def test_throttled_then_accepted_is_sent_after_waiting_what_teams_asked(
    teams: FakeTeams, sleeps: list[float]
) -> None:
    teams.fail(429, retry_after=2)
    assert notifier(teams.legacy_url, sleeps).send(NOTICE) is True
    assert [r.status for r in teams.requests] == [429, 200]
    assert sleeps == [2.0]


def test_a_long_retry_after_is_waited_five_seconds_at_most(
    teams: FakeTeams, sleeps: list[float]
) -> None:
    teams.fail(429, retry_after=120)
    assert notifier(teams.workflows_url, sleeps).send(NOTICE) is True
    assert sleeps == [5.0]


def test_a_server_error_forever_gives_up_after_the_attempts(
    teams: FakeTeams, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    teams.fail(500, times=10)
    assert notifier(teams.workflows_url, sleeps, attempts=3).send(NOTICE) is False
    assert len(teams.requests) == 3 and len(sleeps) == 2
    assert "HTTP 500 (3 tries)" in caplog.text


def test_a_refusal_is_not_retried_and_says_why(
    teams: FakeTeams, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    url = teams.legacy_url.replace("/webhookb2/", "/elsewhere/")
    assert notifier(url, sleeps).send(NOTICE) is False
    assert len(teams.requests) == 1
    assert "HTTP 404: Not Found" in caplog.text


def test_connection_refused_is_a_plain_warning_without_the_webhooks_secret_path(
    sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    with FakeTeams() as gone:
        url = gone.workflows_url
    caplog.set_level(logging.DEBUG)
    assert notifier(url, sleeps, attempts=2).send(NOTICE) is False
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    message = warning.getMessage()
    assert message.startswith("Teams notice of run #12 not sent to 127.0.0.1: cannot connect")
    assert "(2 tries)" in message and "\n" not in message
    assert warning.exc_info is None
    assert "/workflows/" not in caplog.text and "SECRETSIG" not in caplog.text


def test_httpx_request_log_shows_the_webhooks_host_only(
    teams: FakeTeams, sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert notifier(teams.legacy_url, sleeps).send(NOTICE) is True
    assert any(r.name == "httpx" for r in caplog.records)
    assert "/webhookb2/" not in caplog.text and "SECRETSIG" not in caplog.text


def test_a_given_client_is_used(teams: FakeTeams, sleeps: list[float]) -> None:
    with httpx.Client(headers={"User-Agent": "preprod-test"}) as client:
        assert notifier(teams.legacy_url, sleeps, client=client).send(NOTICE) is True
    assert teams.requests[0].headers["user-agent"] == "preprod-test"


def test_the_fake_refuses_what_teams_refuses(teams: FakeTeams) -> None:
    too_big = json.dumps({"type": "message", "pad": "x" * CARD_LIMIT}).encode()
    not_a_card = json.dumps({"type": "message", "attachments": [{"contentType": "x"}]}).encode()
    with httpx.Client() as client:
        assert client.post(teams.legacy_url, content=too_big).status_code == 413
        assert client.post(teams.workflows_url, content=not_a_card).status_code == 400
        assert client.post(teams.legacy_url, json={"text": "hi"}).status_code == 400


def test_the_notifier_comes_from_the_variable_the_config_names(
    teams: FakeTeams, caplog: pytest.LogCaptureFixture
) -> None:
    config = NotificationsConfig(teams_webhook_env="PREPROD_TEAMS_WEBHOOK")
    assert notifier_from_env(NotificationsConfig(), {}) is None
    assert notifier_from_env(config, {}) is None
    assert "PREPROD_TEAMS_WEBHOOK" in caplog.text and "not set" in caplog.text
    made = notifier_from_env(config, {"PREPROD_TEAMS_WEBHOOK": teams.legacy_url})
    assert made is not None and made.host == "127.0.0.1"
    made.close()


def test_a_variable_holding_no_url_is_said_plainly(caplog: pytest.LogCaptureFixture) -> None:
    config = NotificationsConfig(teams_webhook_env="PREPROD_TEAMS_WEBHOOK")
    assert notifier_from_env(config, {"PREPROD_TEAMS_WEBHOOK": "not a url"}) is None
    assert "not an http(s) URL" in caplog.text and "not a url" not in caplog.text
