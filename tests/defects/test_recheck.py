"""What a fresh run of a defect's step says about it (pure)."""

from __future__ import annotations

from actions.defects.recheck import verdict
from actions.result import Finding, Result, Severity, Status

FP = "abc123"


def _result(status: Status, *fingerprints: str) -> Result:
    findings = [
        Finding(severity=Severity.HIGH, title=f"test {fp} failed", fingerprint=fp)
        for fp in fingerprints
    ]
    return Result(step="e2e", status=status, summary="11 passed", findings=findings)


def test_the_same_fingerprint_again_is_still_failing() -> None:
    found = verdict(FP, [_result(Status.FAIL, FP)], "e2e")
    assert found.outcome == "still failing" and f"test {FP} failed" in found.detail


def test_a_passing_step_without_the_finding_is_fixed() -> None:
    assert verdict(FP, [_result(Status.PASS)], "e2e").outcome == "fixed"
    assert verdict(FP, [_result(Status.WARN, "other")], "e2e").outcome == "fixed"


def test_an_error_a_skip_or_another_failure_is_inconclusive() -> None:
    assert verdict(FP, [_result(Status.ERROR)], "e2e").outcome == "inconclusive"
    assert verdict(FP, [_result(Status.FAIL, "other")], "e2e").outcome == "inconclusive"
    assert verdict(FP, [], "e2e").outcome == "inconclusive"
