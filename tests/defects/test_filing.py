"""Filing a run's findings: triage with the run's key SLOs, then the configured tracker."""

from __future__ import annotations

from pathlib import Path

from actions.defects.filing import failed_key_steps, file_findings
from actions.defects.tracker import make_tracker
from actions.result import Finding, Measurement, Result, Severity, Status
from storage.store import Store
from tests.conftest import example_settings
from tests.fakes.jira_api import FakeJira

KEY_SLO_RULE = {
    "when": {"step": "load", "key_slo": True},
    "severity": "blocker",
    "impact": "key SLO on a critical path",
}


def _load(p95_ms: float) -> Result:
    endpoint = "GET /api/products/[id]"
    return Result(
        step="load",
        status=Status.FAIL,
        summary="slow",
        findings=[Finding(severity=Severity.MEDIUM, title="products slow", service="catalog")],
        measurements=[Measurement(name="p95_ms", value=p95_ms, tags={"endpoint": endpoint})],
    )


def test_a_failed_key_slo_makes_its_step_findings_blockers(tmp_path: Path, store: Store) -> None:
    settings = example_settings(tmp_path, defects={"triage": [KEY_SLO_RULE]})
    assert failed_key_steps([_load(900)], settings) == {"load"}
    report = file_findings(
        [_load(900)],
        run={"id": 1, "app": "shop", "version": "1.1.0"},
        settings=settings,
        tracker=make_tracker(settings, store, {}),
    )
    (filed,) = report.filed
    assert (filed.severity, filed.impact) == ("blocker", "key SLO on a critical path")


def test_a_met_key_slo_leaves_the_finding_below_the_threshold(tmp_path: Path, store: Store) -> None:
    settings = example_settings(tmp_path, defects={"triage": [KEY_SLO_RULE]})
    report = file_findings(
        [_load(50)],
        run={"id": 1, "app": "shop", "version": "1.1.0"},
        settings=settings,
        tracker=make_tracker(settings, store, {}),
    )
    assert not report.filed and [s.severity for s in report.skipped] == ["medium"]


def test_findings_reach_jira_with_credentials_from_the_environment(
    tmp_path: Path, store: Store
) -> None:
    with FakeJira() as fake:
        settings = example_settings(
            tmp_path,
            defects={
                "tracker": "jira",
                "file_from": "medium",
                "jira": {"url": fake.url, "project": "QA", "components": {"catalog": "Catalog"}},
            },
        )
        environ = {"PREPROD_JIRA_USER": fake.user, "PREPROD_JIRA_TOKEN": fake.token}
        tracker = make_tracker(settings, store, environ)
        run = {"id": 5, "app": "shop", "version": "1.1.0"}
        first = file_findings([_load(900)], run=run, settings=settings, tracker=tracker)
        second = file_findings([_load(900)], run=run, settings=settings, tracker=tracker)
    assert tracker.name == "jira"
    assert [f.key for f in first.filed] == ["QA-1"]
    assert [(m.key, m.occurrences) for m in second.matched] == [("QA-1", 2)]
    assert fake.issues["QA-1"]["fields"]["components"] == [{"name": "Catalog"}]
