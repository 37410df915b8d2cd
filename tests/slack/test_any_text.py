"""Whatever text follows `/preprod`, the answer is never a 500 and never a stack trace."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.verbs import VERBS
from tests.slack.conftest import NO_GROUPS, VIEWER

WORDS = st.sampled_from([*VERBS, "--env", "--users", "--", "shop", "1.1", "#3", "'", '"', "\\"])
TEXTS = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(WORDS, st.text(max_size=12)), max_size=8).map(" ".join),
)


def test_any_slash_command_text_gets_a_plain_answer(slack_bot) -> None:
    harness = slack_bot(permissions=NO_GROUPS)
    deferred = []

    @settings(
        max_examples=120,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(text=TEXTS)
    def check(text: str) -> None:
        response = harness.command(text, user=VIEWER)
        assert response.status_code == 200, (text, response.status_code)
        # A stack trace, not the word: a reply may quote what was typed ("no command `Traceback`").
        assert "Traceback (most recent call last)" not in response.text
        assert 'File "/' not in response.text
        if response.content:
            assert json.loads(response.content)["response_type"] == "ephemeral"
        else:
            deferred.append(text)  # answered after the ack, through the response_url

    check()
    # Answered after the ack: a reply through the response_url, or, for a run a viewer may start
    # (`parity`), its status message in the channel.
    answered = ("response_url", "chat.postMessage")
    replies = (
        harness.fake.wait_for(lambda c: c.method in answered, count=len(deferred))
        if deferred
        else []
    )
    assert all(
        "Traceback (most recent call last)" not in c.text and "Error(" not in c.text
        for c in replies
    )
    assert all("Something went wrong" not in c.text for c in replies), "no unexpected error"
