"""The HTML readiness report opened in Debian's Chromium: what a person sees, offline and inert.

One browser serves the module; the no-go report is rendered and opened once, and each test checks
one thing about that page. A full-page screenshot lands in `.preprod/screenshots/readiness.png`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from actions.config import SLO, GateConfig
from actions.report.charts import load_chart
from actions.report.gate import GateOutcome, evaluate
from actions.report.readiness import render_html
from actions.result import Artifact, Finding, Measurement, Result, Severity, Status
from actions.testing.locust_stats import EndpointStats, parse_stats_csv
from tests.browser import PageEvents, image_facts, launched_chromium, watch

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_COPY = ROOT / ".preprod" / "screenshots" / "readiness.png"
LOCUST_RUN = ROOT / "tests" / "fixtures" / "testing" / "locust"  # one real Locust run
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
TIMEOUT_MS = 10_000

PLANTED_TITLE = "POST /checkout answered 500 <script>alert(1)</script>"
PLANTED_EVIDENCE = '<img src=x onerror="alert(2)"> assert 500 == 201 & the basket was lost'
RUN = {"id": 42, "app": "shop", "version": "1.1", "environment": "local", "baseline": "1.0",
       "requested_by": "eve", "surface": "slack", "created_at": "2026-11-25T10:00:00Z"}  # fmt: skip
STARTED = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
SLOS = [
    SLO(name="checkout p95 latency", metric="load.p95_ms", endpoint="POST /checkout",
        objective="< 200", warning="< 300", key=True),
    SLO(name="fast p99 latency", metric="load.p99_ms", endpoint="GET /fast", objective="< 20",
        warning="< 50"),
    SLO(name="error rate under load", metric="load.error_rate_pct", objective="<= 1%",
        warning="<= 5%", key=True),
    SLO(name="e2e pass rate", metric="e2e.pass_rate_pct", objective=">= 100%", warning=">= 95%",
        weight=2),
]  # fmt: skip


def _step(step: str, status: Status, summary: str, seconds: float, **evidence: Any) -> Result:
    finished = STARTED + timedelta(seconds=seconds)
    return Result(step=step, status=status, summary=summary, started_at=STARTED,
                  finished_at=finished, **evidence)  # fmt: skip


def _endpoint(row: EndpointStats) -> list[Measurement]:
    figures = {"requests": (row.requests, ""), "error_rate_pct": (row.error_rate_pct, "%"),
               "p50_ms": (row.percentile("50%"), "ms"), "p95_ms": (row.percentile("95%"), "ms"),
               "p99_ms": (row.percentile("99%"), "ms"), "rps": (row.rps, "req/s")}  # fmt: skip
    tags = {"endpoint": row.endpoint}
    return [Measurement(name=n, value=v or 0.0, unit=u, tags=tags) for n, (v, u) in figures.items()]


def _no_go_results(locust_prefix: Path) -> list[Result]:
    """A failed e2e step with planted markup, a real Locust run, a scan warning, a skipped step."""
    stats = parse_stats_csv(Path(f"{locust_prefix}_stats.csv").read_text(encoding="utf-8"))
    history = Path(f"{locust_prefix}_stats_history.csv")
    e2e_findings = [
        Finding(severity=Severity.HIGH, title=PLANTED_TITLE, evidence=PLANTED_EVIDENCE,
                service="orders"),
        Finding(severity=Severity.MEDIUM, title="checkout took 2.4 s in test_checkout_flow"),
        Finding(severity=Severity.LOW, title="cart answered with a deprecated X-Cart-Id header"),
    ]  # fmt: skip
    scan_findings = [
        Finding(severity=Severity.MEDIUM, title="no Content-Security-Policy header on /"),
        Finding(severity=Severity.INFO, title="server banner names its version"),
    ]
    load = [m for row in [*stats.endpoints, stats.aggregate] for m in _endpoint(row)]
    return [
        _step("deploy", Status.PASS, "shop 1.1 deployed (3 services)", 12.4),
        _step("e2e", Status.FAIL, "11 passed, 1 failed", 8.2, findings=e2e_findings,
              measurements=[Measurement(name="pass_rate_pct", value=91.67, unit="%")]),
        _step("load", Status.PASS, f"{stats.aggregate.requests} requests, 2 users", 7.0,
              measurements=load,
              artifacts=[Artifact(name=history.name, path=str(history), kind="csv")]),
        _step("scan", Status.WARN, "1 medium, 1 info finding", 3.1, findings=scan_findings),
        _step("chaos", Status.SKIPPED, "chaos is not allowed on local", 0.0),
    ]  # fmt: skip


@dataclass
class OpenedReport:
    """The no-go report as Chromium shows it, with what the page did and the reasons expected."""

    page: Page
    events: PageEvents
    gate: GateOutcome
    findings: int


def _open(page: Page, html: str, where: Path) -> PageEvents:
    where.write_text(html, encoding="utf-8")
    page.set_default_timeout(TIMEOUT_MS)
    events = watch(page)
    page.goto(where.as_uri(), wait_until="load")
    return events


def _listed_reasons(page: Page) -> list[str]:
    """The reasons under "Why": plain ones in a list, weighed ones in the contributions table."""
    return page.locator("#reasons > li, #contributions td.reason").all_inner_texts()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def no_go(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenedReport]:
    folder = tmp_path_factory.mktemp("no-go")
    for suffix in ("_stats.csv", "_stats_history.csv"):
        shutil.copyfile(LOCUST_RUN / f"run{suffix}", folder / f"load{suffix}")
    results = _no_go_results(folder / "load")
    gate = evaluate(results, SLOS, GateConfig())
    assert gate.verdict == "no-go", gate.reasons
    chart = load_chart(results, None, folder / "charts", label="shop 1.1")
    assert chart is not None, "the load step's Locust history should give a chart"
    html = render_html(
        RUN,
        results,
        gate,
        GateConfig(),
        charts=[chart],
        narrative={"text": "No-go: checkout fails in e2e and under load.",
                   "source": "built-in", "model": None},
        defects={"tracker": "builtin", "summary": "1 defect(s) filed, 1 seen again",
                 "filed": [{"key": "PP-12", "severity": "high", "title": PLANTED_TITLE}],
                 "matched": [{"key": "PP-7", "severity": "medium",
                              "title": "no Content-Security-Policy header on /"}]},
    )  # fmt: skip
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        events = _open(page, html, folder / "readiness.html")
        findings = sum(len(r.findings) for r in results)
        yield OpenedReport(page=page, events=events, gate=gate, findings=findings)
    finally:
        context.close()


def test_the_no_go_verdict_is_visible_without_scrolling(no_go: OpenedReport) -> None:
    verdict = no_go.page.locator("#verdict")
    assert verdict.inner_text() == "NO-GO"
    assert verdict.is_visible()
    box = verdict.bounding_box()
    assert box is not None and box["y"] + box["height"] <= VIEWPORT["height"]


def test_every_reason_of_the_gate_is_listed(no_go: OpenedReport) -> None:
    assert set(_listed_reasons(no_go.page)) == set(no_go.gate.reasons)


def test_the_slo_table_shows_each_objective_with_its_status(no_go: OpenedReport) -> None:
    rows = no_go.page.locator("#objectives tr:has(td)")
    assert rows.count() == len(SLOS)
    names = rows.locator("td:first-child").all_inner_texts()
    statuses = rows.locator("td:nth-child(5)").all_inner_texts()
    assert [n.split(" (")[0].removesuffix(" 🔑") for n in names] == [s.name for s in SLOS]
    assert statuses == [o.status for o in no_go.gate.objectives]


def test_the_load_table_has_one_row_per_endpoint_aggregate_last(no_go: OpenedReport) -> None:
    cells = no_go.page.locator("h2:text-is('Load by endpoint') + table td:first-child")
    assert cells.all_inner_texts() == ["GET /fast", "POST /checkout", "Aggregated"]


def test_findings_are_listed_most_severe_first(no_go: OpenedReport) -> None:
    items = no_go.page.locator("h2:text-is('Findings') + ul > li")
    assert items.count() == no_go.findings
    severities = items.locator("b").all_inner_texts()
    assert severities == ["high", "medium", "medium", "low", "info"]


def test_every_chart_image_loaded(no_go: OpenedReport) -> None:
    images = no_go.page.eval_on_selector_all(
        "img", "all => all.map(i => [i.complete, i.naturalWidth, i.naturalHeight, i.alt])"
    )
    assert images, "the report should embed at least one chart"
    assert all(complete and width > 0 and height > 0 for complete, width, height, _ in images)
    assert [alt for *_, alt in images] == ["load.png"]


def test_the_page_asks_nothing_of_the_network_and_logs_no_error(no_go: OpenedReport) -> None:
    assert no_go.events.requests, "the page's own file:// request should have been seen"
    assert no_go.events.outside_requests == []
    assert no_go.events.console_errors == []
    assert no_go.events.page_errors == []


def test_planted_markup_is_shown_as_text_and_never_runs(no_go: OpenedReport) -> None:
    page = no_go.page
    assert no_go.events.dialogs == []
    assert page.locator("script").count() == 0
    assert page.locator("img[onerror]").count() == 0
    finding = page.locator("h2:text-is('Findings') + ul > li").first
    assert PLANTED_TITLE in finding.inner_text()
    assert finding.locator("pre").inner_text() == PLANTED_EVIDENCE
    assert PLANTED_TITLE in page.locator("h2:text-is('Defects') + p + ul").inner_text()


def test_a_full_page_screenshot_is_saved_for_people(no_go: OpenedReport, tmp_path: Path) -> None:
    shot = tmp_path / "readiness.png"
    no_go.page.screenshot(path=shot, full_page=True)
    width, height, colours = image_facts(shot)
    assert width == VIEWPORT["width"]
    assert height > VIEWPORT["height"], "the whole report, not only the first screen"
    assert colours > 16, "a blank or single-colour page is not a rendered report"
    SCREENSHOT_COPY.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, SCREENSHOT_COPY)
    print(f"readiness report screenshot: {SCREENSHOT_COPY}")


def test_a_go_report_shows_its_go_verdict(browser: Browser, tmp_path: Path) -> None:
    steady = EndpointStats(type="", name="Aggregated", requests=1180, failures=0, median_ms=30,
                           avg_ms=41, min_ms=3, max_ms=210, avg_content_size=512, rps=39.3,
                           failures_per_s=0,
                           percentiles={"50%": 30, "95%": 90, "99%": 150})  # fmt: skip
    results = [
        _step("e2e", Status.PASS, "12 passed", 7.9,
              measurements=[Measurement(name="pass_rate_pct", value=100.0, unit="%")]),
        _step("load", Status.PASS, "1180 requests at 39.3 req/s", 30.0,
              measurements=_endpoint(steady)),
    ]  # fmt: skip
    gate = evaluate(results, [SLOS[2], SLOS[3]], GateConfig())
    assert gate.verdict == "go", gate.reasons
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        events = _open(page, render_html(RUN, results, gate, GateConfig()), tmp_path / "go.html")
        verdict = page.locator("#verdict")
        assert verdict.inner_text() == "GO"
        assert verdict.is_visible()
        assert set(_listed_reasons(page)) == set(gate.reasons)
        assert events.outside_requests == [] and events.console_errors == []
    finally:
        context.close()
