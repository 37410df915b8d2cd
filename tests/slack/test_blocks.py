"""Block Kit rendering is pure: data in, blocks out, every user or log text escaped."""

from __future__ import annotations

import json

import pytest

from bot.replies import Reply
from bot.slack import blocks, report_blocks, run_blocks

RUN = {
    "id": 7,
    "verb": "ready",
    "command": "ready shop 1.1",
    "app": "shop",
    "version": "1.1",
    "environment": "local",
    "requested_by": "eve <admin>",
    "plan": ["deploy", "e2e", "load", "report"],
    "status": "running",
    "verdict": None,
    "summary": None,
}


def _texts(rendered: list[dict]) -> str:
    return json.dumps(rendered)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a & b", "a &amp; b"),
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U123|eve>", "&lt;@U123|eve&gt;"),
        ("x > 3 && y < 2", "x &gt; 3 &amp;&amp; y &lt; 2"),
        ("&amp;", "&amp;amp;"),
    ],
)
def test_mrkdwn_control_characters_are_escaped(raw: str, shown: str) -> None:
    assert blocks.escape(raw) == shown


def test_a_reply_from_the_core_is_escaped_and_never_mentions_anyone() -> None:
    _, rendered = blocks.reply_message(Reply("unknown command `<!here>`", kind="error"))
    text = _texts(rendered)
    assert "<!here>" not in text and "&lt;!here&gt;" in text


def test_a_denial_is_marked_with_a_lock() -> None:
    _, rendered = blocks.reply_message(Reply("`deploy` needs the engineer role", kind="denied"))
    assert rendered[0]["text"]["text"].startswith(":lock: ")


def test_a_titled_answer_gets_a_header_and_its_table_a_code_block() -> None:
    reply = Reply(
        "run 3: ready shop 1.1 on local: done\n  e2e      fail     9 passed", title="run 3"
    )
    _, rendered = blocks.reply_message(reply)
    assert rendered[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "run 3", "emoji": True},
    }
    assert rendered[2]["text"]["text"].startswith("```\n  e2e      fail")


def test_a_long_answer_is_split_into_sections_within_slacks_limits() -> None:
    text = "\n".join(f"  line {i:05d}  " + "x" * 80 for i in range(400))
    _, rendered = blocks.reply_message(Reply(text))
    assert 1 < len(rendered) <= 45
    assert all(len(b["text"]["text"]) <= 3000 for b in rendered if b["type"] == "section")


def test_an_active_run_shows_each_step_and_a_cancel_button() -> None:
    steps = [
        {"name": "deploy", "status": "pass", "summary": "deployed"},
        {"name": "e2e", "status": "running", "summary": None},
    ]
    job = {"status": "running", "progress": "e2e: 4 of 10 tests"}
    text, rendered = run_blocks.status_message(RUN, steps, job, active=True)
    body = _texts(rendered)
    assert rendered[0]["type"] == "header" and "preprod run #7" in rendered[0]["text"]["text"]
    assert ":white_check_mark: *deploy*" in body and ":hourglass_flowing_sand: *e2e*" in body
    assert ":white_circle: *load*  waiting" in body
    assert "eve &lt;admin&gt;" in body and "e2e: 4 of 10 tests" in body
    button = rendered[-1]["elements"][0]
    assert (button["action_id"], button["value"], button["style"]) == (
        "preprod_cancel",
        "7",
        "danger",
    )
    assert "confirm" in button
    assert text.startswith("run #7 (running)")


def test_a_finished_run_has_no_cancel_button() -> None:
    run = {**RUN, "status": "done", "verdict": "no-go", "summary": "verdict no-go (SLO score 40%)"}
    _, rendered = run_blocks.status_message(run, [], {"status": "done"}, active=False)
    assert all(b["type"] != "actions" for b in rendered)
    assert "verdict no-go (SLO score 40%)" in rendered[-1]["elements"][0]["text"]


@pytest.mark.parametrize(
    ("status", "emoji"),
    [
        ("pass", ":white_check_mark:"),
        ("warn", ":warning:"),
        ("fail", ":x:"),
        ("error", ":boom:"),
        ("skipped", ":fast_forward:"),
    ],
)
def test_each_step_status_has_its_emoji(status: str, emoji: str) -> None:
    _, rendered = run_blocks.step_message({"name": "e2e", "status": status, "summary": "s"})
    assert rendered[0]["text"]["text"].startswith(f"{emoji} *e2e* {status}: s")


def test_a_step_reply_lists_its_worst_findings_first_and_its_measurements() -> None:
    result = {
        "findings": [
            {"severity": "low", "title": "slow image"},
            {"severity": "critical", "title": "500 on <checkout>"},
        ],
        "measurements": [
            {"name": "p95_ms", "value": 412.0, "unit": "ms", "tags": {}},
            {"name": "p95_ms", "value": 9.0, "unit": "ms", "tags": {"endpoint": "GET /"}},
        ],
    }
    _, rendered = run_blocks.step_message(
        {"name": "load", "status": "warn", "summary": "ok"}, result
    )
    findings = rendered[1]["text"]["text"].splitlines()
    assert findings[0] == "• *critical* 500 on &lt;checkout&gt;"
    assert [e["text"] for e in rendered[2]["elements"]] == ["p95_ms *412* ms"]


def test_a_verdict_shows_its_objectives_and_reasons() -> None:
    gate = {
        "verdict": "no-go",
        "score": 40.0,
        "objectives": [
            {
                "name": "error rate",
                "status": "fail",
                "value": 8.2,
                "unit": "%",
                "objective": "<= 1",
                "key": True,
            },
            {"name": "p95", "status": "pass", "value": None, "unit": "ms", "objective": "< 300"},
        ],
        "reasons": ["key SLO failed: error rate > 1%"],
    }
    text, rendered = report_blocks.verdict_message({**RUN, "verdict": "no-go"}, gate)
    body = _texts(rendered)
    assert rendered[0]["text"]["text"] == "Verdict for run #7: NO-GO"
    assert ":red_circle: *no-go*" in body and "SLO score *40%*" in body
    assert ":x: error rate _(key)_: *8.2 %* (objective &lt;= 1)" in body
    assert "*no data*" in body and "key SLO failed: error rate &gt; 1%" in body
    assert text == "run #7 verdict: no-go"


def test_a_header_longer_than_slack_allows_is_cut() -> None:
    run = {**RUN, "command": "ready " + "x" * 300}
    _, rendered = run_blocks.status_message(run, [], None, active=True)
    assert len(rendered[0]["text"]["text"]) == 150


def test_the_failure_message_gives_a_ref_and_nothing_else() -> None:
    text, rendered = blocks.failure_message("abc123")
    assert "abc123" in text and "ref `abc123`" in rendered[0]["text"]["text"]


@pytest.mark.parametrize(
    ("status", "message", "shown"),
    [
        (
            "interrupted",
            "interrupted: the bot stopped",
            ":warning: run #7 *interrupted*: the bot stopped",
        ),
        ("cancelled", "cancelled", ":no_entry_sign: run #7 *cancelled*."),
        ("failed", "deploy <failed>", ":x: run #7 *failed*: deploy &lt;failed&gt;"),
    ],
)
def test_a_run_that_ends_without_a_verdict_says_how_it_ended(status, message, shown) -> None:
    _, rendered = run_blocks.ended_message(RUN, status, message)
    assert rendered[0]["text"]["text"] == shown
