"""Insight on the real shop: 1.1 fails its multi-item orders; its logs are mined, the report
narrated, `logs` and `rca` answer, a question in the run's thread is answered from its evidence —
built-in by default, through an OpenAI-compatible endpoint (the fake, real HTTP) when configured."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from actions.environments.factory import open_environment
from bot.jobs import JobRunner
from bot.replies import Caller, Reply, Started
from bot.service import Preprod
from storage import llm_usage, runs
from storage.store import Store
from tests.conftest import example_settings
from tests.fakes.openai_api import FakeOpenAI

ENGINEER = Caller(user="local:eve", surface="cli", name="eve")
VIEWER = Caller(user="U_VIEW", surface="slack")
KEY = "test-llm-key"


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY) as fake:
        yield fake


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, fake_llm: FakeOpenAI) -> Iterator[Preprod]:
    folder = tmp_path_factory.mktemp("insight")
    settings = example_settings(
        folder,
        plan=["deploy", "e2e", "report"],
        insight={
            "llm": {
                "base_url": fake_llm.base_url,
                "model": "fake-gpt",
                "timeout": "5s",
                "price_per_1k_input": 0.5,
                "price_per_1k_output": 1.5,
            }
        },
    )
    settings.environments["local"].teardown_after_run = False
    store = Store(settings.resolve(settings.storage.path))
    made = Preprod(settings, store, runner=JobRunner(settings, store))
    yield made
    made.runner.shutdown()
    open_environment(settings, "local").teardown()


@pytest.fixture(scope="module")
def failed_run(bot: Preprod) -> int:
    """`ready shop 1.1` without an LLM key: the built-in analysis drafts the report."""
    started = bot.handle("ready shop 1.1", ENGINEER)
    assert isinstance(started, Started)
    bot.runner.wait(started.run_id, timeout=120)
    return started.run_id


def test_the_report_is_narrated_by_the_built_in_analysis_and_keeps_the_verdict(
    bot: Preprod, failed_run: int
) -> None:
    run = runs.get_run(bot.store, failed_run)
    assert run is not None and run["verdict"] == "no-go"
    report = Path(run["report_path"]).read_text()
    assert "## Summary" in report and "Drafted by the built-in analysis" in report
    summary = report.split("## Summary", 1)[1].split("##", 1)[0]
    assert "no-go" in summary.lower()
    [body] = [r for r in runs.results_of(bot.store, failed_run) if r["step"] == "report"]
    mined = body["data"]["mined"]
    assert mined["lines"] > 10 and mined["counts"]["by_service"].get("storefront")
    assert any(s["name"] == "storefront" for s in mined["suspects"]), mined["suspects"]
    assert llm_usage.of_run(bot.store, failed_run) == []  # no key: no LLM call


def test_logs_mines_a_services_recent_lines(bot: Preprod, failed_run: int) -> None:
    reply = bot.handle("logs storefront local", VIEWER)
    assert isinstance(reply, Reply) and reply.kind != "error", reply.text
    assert reply.text.startswith(f"{reply.data['mined']['lines']} lines of storefront on local")
    assert "errors:" in reply.text and "suspects:" in reply.text
    unknown = bot.handle("logs nosuch local", VIEWER)
    assert isinstance(unknown, Reply) and unknown.kind == "error"
    assert "runs no service 'nosuch'" in unknown.text


def test_rca_cites_the_evidence_of_the_failed_run(bot: Preprod, failed_run: int) -> None:
    reply = bot.handle(f"rca {failed_run}", VIEWER)
    assert isinstance(reply, Reply) and reply.kind != "error", reply.text
    assert reply.data["source"] == "built-in"
    assert "e2e" in reply.text and "built-in analysis" in reply.text
    cited = [c["evidence"] for c in reply.data["analysis"]["causes"]]
    assert cited and all(ref.startswith("E") for refs in cited for ref in refs)
    assert "   E" in reply.text  # the evidence is quoted under each cause
    missing = bot.handle("rca 999", VIEWER)
    assert isinstance(missing, Reply) and missing.kind == "error"


def test_a_question_in_the_runs_thread_is_answered_from_its_evidence(
    bot: Preprod, failed_run: int
) -> None:
    reply = bot.handle("why did the e2e tests fail?", VIEWER, question_run=str(failed_run))
    assert isinstance(reply, Reply) and reply.kind != "error", reply.text
    assert reply.title.startswith(f"run {failed_run}: “why did the e2e tests fail?")
    # outside a run's thread the same words are not a command
    stray = bot.handle("why did the e2e tests fail?", VIEWER)
    assert isinstance(stray, Reply) and stray.kind == "error"


def test_with_an_llm_configured_the_answer_is_its_and_the_cost_is_recorded(
    bot: Preprod, failed_run: int, fake_llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREPROD_LLM_API_KEY", KEY)
    fake_llm.answer_with("structured")
    before = len(fake_llm.requests)
    reply = bot.handle(f"rca {failed_run} --question 'what broke the orders?'", VIEWER)
    assert isinstance(reply, Reply) and reply.data["source"] == "llm", reply.text
    assert "drafted by an LLM (fake-gpt)" in reply.text
    [request] = fake_llm.requests[before:]
    assert "<evidence>" in request.content("user")
    [usage] = llm_usage.of_run(bot.store, failed_run)
    assert usage["model"] == "fake-gpt" and usage["prompt_tokens"] > 0 and usage["cost"] > 0

    fake_llm.answer_with("malformed", times=1)
    fallback = bot.handle(f"rca {failed_run}", VIEWER)
    assert isinstance(fallback, Reply) and fallback.data["source"] == "built-in"
    assert "the LLM was not used" in fallback.text


def test_the_failed_run_filed_its_findings_once_and_defects_lists_them(
    bot: Preprod, failed_run: int
) -> None:
    run = runs.get_run(bot.store, failed_run)
    assert run is not None
    report = Path(run["report_path"]).read_text()
    assert "## Defects" in report and "new: PP-1" in report
    [body] = [r for r in runs.results_of(bot.store, failed_run) if r["step"] == "report"]
    filed = body["data"]["defects"]["filed"]
    assert [f["step"] for f in filed] == ["e2e"] and filed[0]["key"] == "PP-1"

    listed = bot.handle("defects 1.1", VIEWER)
    assert isinstance(listed, Reply) and listed.kind != "error", listed.text
    assert listed.text.startswith("1 open of 1 defect(s) for release 1.1 (builtin tracker)")
    assert "PP-1" in listed.text and "test_order_of_several_items_is_placed" in listed.text
    none = bot.handle("defects 9.9", VIEWER)
    assert isinstance(none, Reply) and "no defects for release 9.9" in none.text

    again = bot.handle("ready shop 1.1", ENGINEER)
    assert isinstance(again, Started)
    bot.runner.wait(again.run_id, timeout=120)
    second = runs.get_run(bot.store, again.run_id)
    assert second is not None and "seen again: PP-1" in Path(second["report_path"]).read_text()
    listed = bot.handle("defects 1.1", VIEWER)
    assert isinstance(listed, Reply) and "seen 2×" in listed.text
    assert listed.text.startswith("1 open of 1 defect(s)")  # no duplicate filed


def test_recheck_comments_while_failing_and_resolves_once_fixed(
    bot: Preprod, failed_run: int
) -> None:
    def recheck() -> dict:  # type: ignore[type-arg]
        started = bot.handle("recheck PP-1", ENGINEER)
        assert isinstance(started, Started), started
        bot.runner.wait(started.run_id, timeout=120)
        return next(r for r in runs.results_of(bot.store, started.run_id) if r["step"] == "recheck")

    still = recheck()  # 1.1 is still deployed: the order of several items fails again
    assert still["status"] == "fail" and "PP-1 commented" in still["summary"]
    deployed = bot.handle("deploy shop 1.0", ENGINEER)
    assert isinstance(deployed, Started)
    bot.runner.wait(deployed.run_id, timeout=60)
    fixed = recheck()
    assert fixed["status"] == "pass" and "PP-1 resolved" in fixed["summary"]
    listed = bot.handle("defects 1.1", VIEWER)
    assert isinstance(listed, Reply) and listed.text.startswith("0 open of 1 defect(s)")
    again = bot.handle("recheck PP-1", ENGINEER)
    assert isinstance(again, Reply) and "only open defects are rechecked" in again.text
