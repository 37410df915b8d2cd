"""A failed run's notice and its routing are pure: stored dicts in, notice and channels out."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from actions.report.failure_notice import (
    UNOWNED,
    FailureNotice,
    NotificationsConfig,
    failure_notice,
    route,
    should_notify,
)
from tests.report.notices import sample_notice

RUN = {
    "id": 12,
    "verb": "ready",
    "command": "ready shop 1.1",
    "app": "shop",
    "version": "1.1",
    "environment": "local",
    "status": "done",
    "verdict": "no-go",
    "summary": "verdict no-go",
}


def finding(severity: str, title: str, service: str | None = None) -> dict[str, Any]:
    return {
        "severity": severity,
        "title": title,
        "evidence": "…",
        "fingerprint": "f",
        "service": service,
    }


def result(step: str, status: str, summary: str, *findings: dict[str, Any]) -> dict[str, Any]:
    return {
        "step": step,
        "status": status,
        "summary": summary,
        "findings": list(findings),
        "measurements": [],
        "data": {},
    }


RESULTS = [
    result("deploy", "pass", "deployed 3 services", finding("info", "took 4 s", "checkout")),
    result(
        "e2e",
        "fail",
        "2 of 9 tests failed",
        finding("medium", "slow cart page", "checkout"),
        finding("high", "checkout returns 500", "checkout"),
        finding("critical", "payment double-charged", "payments"),
    ),
    result("load", "fail", "p95 2.4 s over the 800 ms objective"),
    result("report", "fail", "verdict no-go, SLO score 40%"),
]
GATE = {
    "verdict": "no-go",
    "score": 40.0,
    "reasons": [
        "e2e failed: 2 of 9 tests failed",
        "load failed: p95 2.4 s over the 800 ms objective",
    ],
    "objectives": [
        {
            "name": "latency",
            "endpoint": "/cart",
            "value": 2400.0,
            "unit": "ms",
            "objective": "<800",
            "status": "fail",
            "key": True,
        },
        {
            "name": "errors",
            "endpoint": None,
            "value": 0.0,
            "unit": "%",
            "objective": "<1",
            "status": "pass",
            "key": False,
        },
    ],
}


def notice(**changes: Any) -> FailureNotice:
    return sample_notice(
        **{"headline": "shop 1.1 on local: no-go", "reasons": ["e2e failed"], **changes}
    )


def test_findings_are_grouped_by_service_worst_service_and_worst_finding_first() -> None:
    got = failure_notice(RUN, RESULTS, GATE)
    assert list(got.services) == ["payments", "checkout"]
    assert got.services["checkout"] == [
        "high · e2e: checkout returns 500",
        "medium · e2e: slow cart page",
    ]


def test_a_failing_step_without_service_findings_is_unowned_and_the_report_step_is_not() -> None:
    got = failure_notice(RUN, RESULTS, GATE)
    assert "load failed: p95 2.4 s over the 800 ms objective" in got.unowned
    assert not any(line.startswith(("e2e", "report")) for line in got.unowned)


def test_failed_slos_are_unowned_lines() -> None:
    got = failure_notice(RUN, RESULTS, GATE)
    assert "key SLO latency on /cart failed: 2400 ms (objective <800)" in got.unowned
    assert not any("errors" in line for line in got.unowned)


def test_info_findings_and_findings_of_passing_steps_below_high_are_left_out() -> None:
    results = [result("scan", "pass", "ok", finding("medium", "old header", "edge"))]
    results.append(result("deploy", "pass", "ok", finding("info", "slow pull", "checkout")))
    assert failure_notice(RUN, results, None).services == {}


def test_a_high_finding_of_a_passing_step_still_reaches_its_service() -> None:
    results = [result("scan", "pass", "ok", finding("high", "leaked key", "edge"))]
    assert failure_notice(RUN, results, None).services == {"edge": ["high · scan: leaked key"]}


def test_the_headline_names_release_environment_verdict_and_score() -> None:
    assert failure_notice(RUN, RESULTS, GATE).headline == "shop 1.1 on local: no-go (SLO score 40%)"


def test_the_headline_gives_the_risk_when_the_gate_has_one() -> None:
    gate = {**GATE, "risk": 72.0}
    assert failure_notice(RUN, RESULTS, gate).headline == "shop 1.1 on local: no-go (risk 72)"


def test_a_run_without_a_release_is_named_by_its_command() -> None:
    run = {**RUN, "app": None, "version": None, "command": "chaos run latency", "status": "failed"}
    assert failure_notice(run, [], None).headline == "run #12 (chaos run latency) on local: failed"


def test_the_reasons_are_the_gates_worst_first() -> None:
    assert failure_notice(RUN, RESULTS, GATE).reasons == GATE["reasons"]


def test_without_a_gate_the_reasons_are_the_failing_steps_errors_first() -> None:
    results = [result("e2e", "fail", "1 failed"), result("deploy", "error", "image missing")]
    run = {**RUN, "status": "failed", "verdict": None}
    got = failure_notice(run, results, None)
    assert got.outcome == "failed"
    assert got.reasons == ["deploy failed: image missing", "e2e failed: 1 failed"]


def test_a_run_that_failed_before_any_step_says_why_in_its_unowned_lines() -> None:
    run = {**RUN, "status": "failed", "verdict": None, "summary": "the environment is locked"}
    got = failure_notice(run, [], None)
    assert got.unowned == ["the run failed: the environment is locked"]
    assert got.reasons == ["the environment is locked"]


def test_a_service_shows_at_most_five_lines_the_last_saying_how_many_more() -> None:
    many = [finding("high", f"problem {i}", "checkout") for i in range(8)]
    lines = failure_notice(RUN, [result("e2e", "fail", "bad", *many)], None).services["checkout"]
    assert lines[:4] == [f"high · e2e: problem {i}" for i in range(4)]
    assert lines[4] == "… and 4 more"


def test_two_services_of_one_team_reach_its_channel_in_one_entry() -> None:
    config = NotificationsConfig(routes={"payments": "#pay", "checkout": "#pay"}, channel="#qa")
    assert route(notice(), config) == {"#pay": ["payments", "checkout"], "#qa": [UNOWNED]}


def test_a_service_without_a_route_goes_to_the_default_channel_with_the_unowned_lines() -> None:
    config = NotificationsConfig(routes={"payments": "C0PAY"}, channel="#qa")
    assert route(notice(), config) == {"C0PAY": ["payments"], "#qa": ["checkout", UNOWNED]}


def test_without_a_default_channel_unrouted_failures_are_dropped() -> None:
    config = NotificationsConfig(routes={"payments": "C0PAY"})
    assert route(notice(), config) == {"C0PAY": ["payments"]}


def test_a_default_channel_that_also_owns_a_service_gets_one_entry() -> None:
    config = NotificationsConfig(routes={"payments": "#qa"}, channel="#qa")
    assert route(notice(), config) == {"#qa": ["payments", "checkout", UNOWNED]}


def test_nothing_to_say_routes_nowhere() -> None:
    config = NotificationsConfig(routes={"payments": "#pay"}, channel="#qa")
    assert route(notice(services={}, unowned=[]), config) == {}


@pytest.mark.parametrize(
    ("on", "outcome", "notified"),
    [
        (None, "no-go", True),
        (None, "failed", True),
        (None, "interrupted", True),
        (None, "go with risk", False),
        (None, "go", False),
        (None, "cancelled", False),
        (["go with risk"], "go with risk", True),
        (["go with risk"], "no-go", False),
        ([], "failed", False),
    ],
)
def test_only_the_outcomes_in_on_are_announced(
    on: list[str] | None, outcome: str, notified: bool
) -> None:
    config = (
        NotificationsConfig() if on is None else NotificationsConfig.model_validate({"when": on})
    )
    assert should_notify(config, outcome) is notified


def test_the_config_refuses_unknown_keys_and_outcomes() -> None:
    with pytest.raises(ValidationError):
        NotificationsConfig.model_validate({"route": {}})
    with pytest.raises(ValidationError):
        NotificationsConfig.model_validate({"when": ["go"]})


def test_the_config_refuses_a_webhook_url_where_a_variable_name_belongs() -> None:
    with pytest.raises(ValidationError, match="put it in that variable"):
        NotificationsConfig(teams_webhook_env="https://example.webhook.office.com/webhookb2/x")
    assert NotificationsConfig(teams_webhook_env="PREPROD_TEAMS_WEBHOOK").teams_webhook_env
