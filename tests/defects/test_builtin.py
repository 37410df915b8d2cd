"""The built-in tracker: PP-n keys in sqlite, one open defect per fingerprint."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.defects.builtin import BuiltinTracker
from actions.defects.filing import file_findings
from actions.defects.tracker import DefectDraft, make_tracker
from actions.errors import UsageError
from actions.result import Finding, Result, Severity, Status
from storage import defects as records
from storage.store import Store
from tests.conftest import example_settings

SECRET = "password=S3cr3tPassw0rd!"


def _draft(fingerprint: str = "fp1", version: str = "1.1.0", **extra: object) -> DefectDraft:
    fields: dict[str, object] = {
        "fingerprint": fingerprint,
        "title": "checkout returns 500",
        "severity": "high",
        "impact": "no orders",
        "service": "cart",
        "evidence": f"POST /checkout 500\n{SECRET}",
        "app": "shop",
        "version": version,
        "run_id": 7,
    }
    return DefectDraft.model_validate(fields | extra)


@pytest.fixture
def tracker(store: Store) -> BuiltinTracker:
    return BuiltinTracker(store)


def test_filing_opens_pp_keys_in_order(tracker: BuiltinTracker) -> None:
    first, second = tracker.file(_draft("a")), tracker.file(_draft("b"))
    assert (first.key, first.created, first.occurrences) == ("PP-1", True, 1)
    assert second.key == "PP-2"


def test_a_duplicate_comments_and_counts_instead_of_filing(
    tracker: BuiltinTracker, store: Store
) -> None:
    tracker.file(_draft())
    again = tracker.file(_draft(run_id=8))
    assert (again.key, again.created, again.occurrences) == ("PP-1", False, 2)
    assert len(tracker.list()) == 1
    (comment,) = records.comments_of(store, "PP-1")
    assert "occurrence 2" in comment["body"] and "run 8" in comment["body"]


def test_evidence_is_redacted_before_it_is_kept(tracker: BuiltinTracker, store: Store) -> None:
    tracker.file(_draft())
    tracker.file(_draft())
    tracker.comment("PP-1", f"retried with {SECRET}")
    row = records.get_defect(store, "PP-1")
    assert row and "S3cr3t" not in row["evidence"] and "[secret:" in row["evidence"]
    assert all("S3cr3t" not in c["body"] for c in records.comments_of(store, "PP-1"))


def test_resolving_closes_and_a_new_occurrence_opens_a_new_defect(tracker: BuiltinTracker) -> None:
    tracker.file(_draft())
    tracker.resolve("PP-1", "re-check passed")
    assert tracker.status("PP-1") == "resolved"
    assert tracker.find_open("fp1") is None
    reopened = tracker.file(_draft())
    assert (reopened.key, reopened.created) == ("PP-2", True)


def test_list_by_release(tracker: BuiltinTracker) -> None:
    tracker.file(_draft("a", version="1.0.0"))
    tracker.file(_draft("b", version="1.1.0"))
    assert [d.fingerprint for d in tracker.list("1.1.0")] == ["b"]
    assert {d.key for d in tracker.list()} == {"PP-1", "PP-2"}


def test_find_open_gives_the_defect(tracker: BuiltinTracker) -> None:
    tracker.file(_draft())
    found = tracker.find_open("fp1")
    assert found and (found.key, found.status, found.severity, found.version) == (
        "PP-1",
        "open",
        "high",
        "1.1.0",
    )


def test_an_unknown_key_is_a_plain_error(tracker: BuiltinTracker) -> None:
    with pytest.raises(UsageError, match="no defect PP-9"):
        tracker.status("PP-9")


def test_the_default_tracker_is_builtin(tmp_path: Path, store: Store) -> None:
    assert make_tracker(example_settings(tmp_path), store, {}).name == "builtin"


def test_file_findings_files_from_the_threshold_and_matches_open_ones(
    tmp_path: Path, store: Store
) -> None:
    settings = example_settings(
        tmp_path, defects={"triage": [{"when": {"service": "payments"}, "severity": "critical"}]}
    )
    results = [
        Result(
            step="e2e",
            status=Status.FAIL,
            summary="2 failed",
            findings=[
                Finding(severity=Severity.HIGH, title="checkout fails", service="cart"),
                Finding(severity=Severity.LOW, title="slow refund", service="payments"),
                Finding(severity=Severity.MEDIUM, title="flaky search", service="search"),
            ],
        )
    ]
    tracker = BuiltinTracker(store)
    run = {"id": 3, "app": "shop", "version": "1.1.0"}
    first = file_findings(results, run=run, settings=settings, tracker=tracker)
    assert [(f.key, f.severity) for f in first.filed] == [("PP-1", "high"), ("PP-2", "critical")]
    assert [s.title for s in first.skipped] == ["flaky search"]
    assert first.by_severity["critical"] == 1 and first.by_severity["high"] == 1
    second = file_findings(results, run=run | {"id": 4}, settings=settings, tracker=tracker)
    assert not second.filed
    assert [(m.key, m.occurrences) for m in second.matched] == [("PP-1", 2), ("PP-2", 2)]
    assert "2 already open" in second.summary
