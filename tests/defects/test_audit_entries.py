"""Filing and settling defects write the audit log before and after, as preprod in a run."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from actions.defects.builtin import BuiltinTracker
from actions.defects.config import JiraConfig
from actions.defects.filing import file_findings
from actions.defects.jira_tracker import JiraTracker
from actions.defects.recheck import Verdict, settle
from actions.errors import BackendUnavailable, UsageError
from actions.result import Finding, Result, Severity, Status
from storage import audit
from storage.store import Store
from tests.conftest import example_settings

RUN = {"id": 4, "app": "shop", "version": "1.1.0"}


def _results() -> list[Result]:
    return [
        Result(
            step="e2e",
            status=Status.FAIL,
            summary="2 failed",
            findings=[
                Finding(severity=Severity.HIGH, title="checkout fails", service="cart"),
                Finding(severity=Severity.LOW, title="slow refund", service="payments"),
            ],
        )
    ]


def _entries(store: Store, verb: str) -> list[dict[str, object]]:
    return list(reversed(audit.entries(store, verb=verb)))  # oldest first


def test_filing_is_audited_before_and_after_with_the_keys(tmp_path: Path, store: Store) -> None:
    settings = example_settings(tmp_path)
    file_findings(
        _results(), run=RUN, settings=settings, tracker=BuiltinTracker(store), store=store
    )
    started, done = _entries(store, "defects.file")
    assert (started["outcome"], done["outcome"]) == ("started", "done")
    assert started["detail"] == "1 finding(s) to file (1 below the threshold)"
    assert done["detail"] == "filed PP-1; matched none"
    for entry in (started, done):
        assert (entry["user"], entry["surface"], entry["run_id"]) == ("preprod", "run", 4)
        assert entry["args"] == ["builtin", "shop", "1.1.0"]


def test_filing_again_is_audited_with_the_matched_keys(tmp_path: Path, store: Store) -> None:
    settings = example_settings(tmp_path)
    tracker = BuiltinTracker(store)
    for _ in range(2):
        file_findings(_results(), run=RUN, settings=settings, tracker=tracker, store=store)
    assert _entries(store, "defects.file")[-1]["detail"] == "filed none; matched PP-1"


def test_a_failed_filing_is_audited_with_the_plain_reason(tmp_path: Path, store: Store) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    tracker = JiraTracker(JiraConfig(url=url, project="QA", timeout="1s"), user="u", token="t")
    settings = example_settings(tmp_path)
    with pytest.raises(BackendUnavailable):
        file_findings(_results(), run=RUN, settings=settings, tracker=tracker, store=store)
    started, failed = _entries(store, "defects.file")
    assert (started["outcome"], failed["outcome"]) == ("started", "failed")
    detail = str(failed["detail"])
    assert "did not answer" in detail and "before it: filed none" in detail
    assert "\n" not in detail and "Traceback" not in detail


def test_filing_without_a_store_writes_nothing(tmp_path: Path, store: Store) -> None:
    file_findings(
        _results(), run=RUN, settings=example_settings(tmp_path), tracker=BuiltinTracker(store)
    )
    assert audit.entries(store) == []


def test_resolving_a_fixed_defect_is_audited(tmp_path: Path, store: Store) -> None:
    tracker = BuiltinTracker(store)
    file_findings(_results(), run=RUN, settings=example_settings(tmp_path), tracker=tracker)
    settle(tracker, "PP-1", Verdict("fixed", "e2e pass: 8 passed"), 9, store=store)
    started, done = _entries(store, "defects.resolve")
    assert (started["outcome"], done["outcome"]) == ("started", "done")
    assert started["args"] == ["builtin", "PP-1"] and started["run_id"] == 9
    assert done["detail"] == "PP-1 resolved: recheck in run 9: fixed: e2e pass: 8 passed"
    assert tracker.status("PP-1") == "resolved"


def test_a_failed_comment_is_audited_with_the_plain_reason(store: Store) -> None:
    with pytest.raises(UsageError):
        settle(BuiltinTracker(store), "PP-9", Verdict("still failing", "e2e fail"), 9, store=store)
    started, failed = _entries(store, "defects.comment")
    assert (started["outcome"], failed["outcome"], failed["detail"]) == (
        "started",
        "failed",
        "no defect PP-9",
    )
