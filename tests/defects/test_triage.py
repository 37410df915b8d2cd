"""Triage rules decide a filed defect's severity and impact; the first match wins. Pure."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from actions.defects.config import DefectsConfig, JiraConfig, TriageRule
from actions.defects.triage import should_file, summary_by_severity, triage
from actions.result import Finding, Result, Severity, Status

RULES = [
    TriageRule.model_validate(r)
    for r in [
        {
            "when": {"step": "load", "key_slo": True},
            "severity": "blocker",
            "impact": "key SLO on a critical path",
        },
        {"when": {"finding_severity": "critical"}, "severity": "blocker"},
        {"when": {"service": "payments"}, "severity": "critical", "impact": "money"},
    ]
]


def _finding(severity: Severity = Severity.HIGH, service: str | None = "cart") -> Finding:
    return Finding(severity=severity, title="checkout slow", evidence="p95 900 ms", service=service)


def _result(step: str = "load") -> Result:
    return Result(step=step, status=Status.FAIL, summary="x")


def test_a_load_finding_with_a_failed_key_slo_is_a_blocker() -> None:
    decision = triage(_finding(), _result("load"), RULES, failed_key_steps={"load"})
    assert (decision.severity, decision.impact, decision.rule) == (
        "blocker",
        "key SLO on a critical path",
        0,
    )


def test_key_slo_rule_does_not_match_when_no_key_slo_failed() -> None:
    assert triage(_finding(), _result("load"), RULES).severity == "high"


def test_a_critical_finding_is_a_blocker() -> None:
    assert triage(_finding(Severity.CRITICAL), _result("e2e"), RULES).rule == 1


def test_a_payments_finding_is_critical() -> None:
    decision = triage(_finding(Severity.LOW, "payments"), _result("e2e"), RULES)
    assert (decision.severity, decision.impact) == ("critical", "money")


def test_the_first_matching_rule_wins() -> None:
    decision = triage(_finding(Severity.CRITICAL, "payments"), _result("e2e"), RULES)
    assert (decision.severity, decision.rule) == ("blocker", 1)


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        (Severity.CRITICAL, "critical"),
        (Severity.HIGH, "high"),
        (Severity.MEDIUM, "medium"),
        (Severity.LOW, "low"),
        (Severity.INFO, None),
    ],
)
def test_without_a_matching_rule_the_finding_severity_carries_over(
    severity: Severity, expected: str | None
) -> None:
    decision = triage(_finding(severity), _result("e2e"), [])
    assert (decision.severity, decision.rule) == (expected, None)


def test_title_contains_is_case_insensitive() -> None:
    rule = TriageRule.model_validate({"when": {"title_contains": "CHECKOUT"}, "severity": "low"})
    assert triage(_finding(), _result(), [rule]).severity == "low"


@pytest.mark.parametrize(
    ("severity", "file_from", "filed"),
    [
        ("blocker", "critical", True),
        ("critical", "critical", True),
        ("high", "critical", False),
        ("high", "high", True),
        ("medium", "high", False),
        ("low", "low", True),
        (None, "low", False),
    ],
)
def test_only_severities_from_the_threshold_up_are_filed(
    severity: str | None, file_from: str, filed: bool
) -> None:
    assert should_file(severity, file_from) is filed  # type: ignore[arg-type]


def test_summary_counts_every_severity_worst_first() -> None:
    counts = summary_by_severity([{"severity": "high"}, {"severity": "high"}, {"severity": "low"}])
    assert counts == {"blocker": 0, "critical": 0, "high": 2, "medium": 0, "low": 1}
    assert list(counts) == ["blocker", "critical", "high", "medium", "low"]


def test_jira_tracker_needs_its_section() -> None:
    with pytest.raises(ValidationError, match="jira section"):
        DefectsConfig.model_validate({"tracker": "jira"})


def test_jira_priorities_default_for_every_severity() -> None:
    config = JiraConfig.model_validate(
        {"url": "http://j", "project": "QA", "priority": {"blocker": "Blocker"}}
    )
    assert config.priority["blocker"] == "Blocker"
    assert config.priority["medium"] == "Medium"


def test_unknown_config_keys_are_refused() -> None:
    with pytest.raises(ValidationError):
        DefectsConfig.model_validate({"trackr": "jira"})
