"""The risk score and verdict: points per piece of evidence, blockers, thresholds from config."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from actions.report.risk import (
    GO,
    GO_WITH_RISK,
    NO_GO,
    ObjectiveView,
    OpenDefect,
    RiskConfig,
    SloScore,
    assess,
)
from actions.result import Finding, Result, Severity, Status


def step(name: str, status: Status = Status.PASS, *findings: Finding) -> Result:
    return Result(step=name, status=status, summary=f"{name} {status.value}", findings=[*findings])


def finding(severity: Severity, title: str = "something", service: str | None = None) -> Finding:
    return Finding(severity=severity, title=title, service=service)


def test_a_clean_run_is_go_with_no_risk() -> None:
    risk = assess([step("deploy"), step("e2e")], [], None, [], RiskConfig())
    assert (risk.verdict, risk.score) == (GO, 0)
    assert risk.reasons == ["every step passed (deploy, e2e)"]


def test_a_warning_step_is_go_with_risk_and_names_its_step() -> None:
    risk = assess([step("deploy"), step("load", Status.WARN)], [], None, [], RiskConfig())
    assert (risk.verdict, risk.score) == (GO_WITH_RISK, 10)
    assert [c.source for c in risk.contributions] == ["step:load"]
    assert risk.reasons == ["load warned: load warn"]


def test_a_failed_step_blocks_whatever_the_points() -> None:
    config = RiskConfig(step={"fail": 1, "error": 1, "warn": 1})
    risk = assess([step("e2e", Status.FAIL)], [], None, [], config)
    assert risk.verdict == NO_GO and risk.score == 1
    assert risk.contributions[0].blocking and risk.contributions[0].source == "step:e2e"


def test_without_the_blocker_rule_a_failed_step_counts_only_its_points() -> None:
    config = RiskConfig(blocking=[])
    risk = assess([step("e2e", Status.FAIL)], [], None, [], config)
    assert (risk.verdict, risk.score) == (GO_WITH_RISK, 40)


def test_findings_add_up_until_the_no_go_threshold() -> None:
    mediums = [finding(Severity.MEDIUM, f"medium {i}") for i in range(3)]
    assert (
        assess([step("scan", Status.PASS, *mediums[:2])], [], None, [], RiskConfig()).verdict == GO
    )
    risk = assess([step("scan", Status.PASS, *mediums)], [], None, [], RiskConfig())
    assert (risk.verdict, risk.score) == (GO_WITH_RISK, 12)
    highs = [finding(Severity.HIGH, f"high {i}") for i in range(5)]
    assert assess([step("scan", Status.PASS, *highs)], [], None, [], RiskConfig()).verdict == NO_GO


def test_thresholds_come_from_config() -> None:
    results = [step("load", Status.WARN)]
    assert assess(results, [], None, [], RiskConfig(go_below=20)).verdict == GO
    assert assess(results, [], None, [], RiskConfig(no_go_from=10)).verdict == NO_GO


def test_the_score_is_capped_at_100() -> None:
    criticals = [finding(Severity.CRITICAL, f"c{i}") for i in range(10)]
    risk = assess([step("analyze", Status.FAIL, *criticals)], [], None, [], RiskConfig())
    assert risk.score == 100


def test_critical_findings_block_only_when_configured() -> None:
    results = [step("scan", Status.PASS, finding(Severity.CRITICAL, "sql injection"))]
    assert assess(results, [], None, [], RiskConfig()).verdict == GO_WITH_RISK
    config = RiskConfig(blocking=["critical_finding"])
    assert assess(results, [], None, [], config).verdict == NO_GO


def test_a_failed_key_slo_blocks_and_an_ordinary_one_adds_risk() -> None:
    key = ObjectiveView(name="p95", status="fail", key=True, shown="p95: 400 ms (objective < 300)")
    plain = ObjectiveView(name="errors", status="warn", key=False, shown="errors: 1 %")
    risk = assess([step("load")], [key, plain], None, [], RiskConfig())
    assert risk.verdict == NO_GO
    assert risk.reasons[0] == "key SLO failed: p95: 400 ms (objective < 300)"
    assert {c.source for c in risk.contributions} == {"slo:p95", "slo:errors"}
    assert assess([step("load")], [plain], None, [], RiskConfig()).verdict == GO_WITH_RISK


def test_the_slo_score_band_weighs_in() -> None:
    warn = SloScore(score=80, pass_score=90, warning_score=75)
    fail = SloScore(score=50, pass_score=90, warning_score=75)
    good = SloScore(score=95, pass_score=90, warning_score=75)
    assert assess([step("load")], [], warn, [], RiskConfig()).verdict == GO_WITH_RISK
    assert assess([step("load")], [], fail, [], RiskConfig()).verdict == NO_GO
    risk = assess([step("load")], [], good, [], RiskConfig())
    assert risk.verdict == GO and "SLO score 95% with every key SLO met" in risk.reasons


def test_open_defects_from_earlier_runs_count_and_a_blocker_blocks() -> None:
    high = OpenDefect(key="PP-3", severity="high", title="checkout 500")
    blocker = OpenDefect(key="PP-4", severity="blocker", title="orders lost")
    risk = assess([step("e2e")], [], None, [high], RiskConfig())
    assert (risk.verdict, risk.score) == (GO_WITH_RISK, 10)
    assert risk.contributions[0].source == "defect:PP-3"
    risk = assess([step("e2e")], [], None, [blocker], RiskConfig())
    assert risk.verdict == NO_GO and risk.reasons[0].startswith("open defect PP-4 (blocker)")


def test_every_contribution_traces_back_to_a_result() -> None:
    f = finding(Severity.HIGH, "checkout failed", "storefront")
    results = [step("deploy"), step("e2e", Status.FAIL, f), step("load", Status.WARN)]
    risk = assess(results, [], None, [], RiskConfig())
    for c in risk.contributions:
        kind, _, rest = c.source.partition(":")
        name = rest.split(":")[0]
        assert kind in ("step", "finding") and any(r.step == name for r in results)
    assert f"finding:e2e:{f.fingerprint}" in [c.source for c in risk.contributions]


def test_blockers_come_first_in_the_reasons() -> None:
    results = [step("load", Status.WARN), step("e2e", Status.FAIL)]
    risk = assess(results, [], None, [], RiskConfig())
    assert risk.reasons[0].startswith("e2e failed")


def test_go_below_must_not_exceed_no_go_from() -> None:
    with pytest.raises(ValidationError, match="go_below"):
        RiskConfig(go_below=60, no_go_from=50)


def test_weights_name_known_kinds_and_keep_the_defaults_not_given() -> None:
    with pytest.raises(ValidationError, match="unknown"):
        RiskConfig(step={"broken": 5})
    assert RiskConfig(step={"warn": 3}).step == {"fail": 40, "error": 40, "warn": 3}
