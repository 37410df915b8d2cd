"""A failure notice in Slack: pure Block Kit, every text escaped, within Block Kit's limits."""

from __future__ import annotations

import json

from actions.report.failure_notice import UNOWNED
from bot.slack.notice_blocks import notice_message
from tests.report.notices import sample_notice

NOTICE = sample_notice(
    services={
        "payments": ["critical · e2e: double charge <!channel>"],
        "checkout": ["high · e2e: a & b > c"],
    },
    unowned=["load failed: p95 too slow", "e2e failed: 2 of 9 tests failed"],
)


def rendered(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_the_notice_starts_with_the_headline_and_ends_with_where_the_evidence_is() -> None:
    text, blocks = notice_message(NOTICE, ["payments"])
    assert blocks[0]["type"] == "header"
    assert "shop 1.1 on local: no-go (SLO score 40%)" in blocks[0]["text"]["text"]
    assert blocks[-1]["type"] == "context"
    closing = blocks[-1]["elements"][0]["text"]
    assert closing == "run #12 · `status 12` or the run's thread for the whole evidence"
    assert text == "shop 1.1 on local: no-go (SLO score 40%)"


def test_each_routed_service_gets_its_own_section_and_no_other_service_appears() -> None:
    _, blocks = notice_message(NOTICE, ["payments", "checkout"])
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert sections[0].startswith("*Why*\n• e2e failed")
    assert sections[1].startswith("*Service `payments`*\n• critical")
    assert sections[2].startswith("*Service `checkout`*\n• high")
    assert "p95 too slow" not in rendered(blocks)


def test_the_unowned_lines_come_only_where_routed_and_not_twice() -> None:
    _, blocks = notice_message(NOTICE, [UNOWNED])
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert sections[-1] == "*Not tied to a service*\n• load failed: p95 too slow"
    assert rendered(blocks).count("2 of 9 tests failed") == 1  # already among the reasons


def test_a_finding_title_cannot_ping_the_channel() -> None:
    text, blocks = notice_message(NOTICE, ["payments", "checkout"])
    shown = rendered(blocks)
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert "a &amp; b &gt; c" in shown
    assert "<" not in text


def test_many_services_and_long_lines_stay_within_block_kit_limits() -> None:
    lines = [f"high · e2e: {'<x> & ' * 400}{i}" for i in range(40)]
    services = {f"service-{i}": lines for i in range(80)}
    big = NOTICE.model_copy(update={"services": services, "reasons": lines})
    text, blocks = notice_message(big, list(services))
    assert len(blocks) <= 50
    for block in blocks:
        if block["type"] == "section":
            body = block["text"]["text"]
            assert len(body) <= 3000
            assert body.endswith("more_")
    assert "more in the run's thread" in rendered(blocks)
    assert len(text) <= 300
