"""The readiness report as one HTML page: verdict, reasons, summary, embedded charts, escaping."""

from __future__ import annotations

from pathlib import Path

from actions.config import GateConfig
from actions.report.gate import GateOutcome
from actions.report.readiness import render_html, render_markdown
from actions.result import Artifact, Finding, Result, Severity, Status

RUN = {"id": 7, "app": "shop", "version": "1.1", "environment": "local", "baseline": "1.0",
       "requested_by": "eve", "surface": "slack", "created_at": "2026-11-25T10:00:00Z"}  # fmt: skip
RESULTS = [
    Result(
        step="e2e",
        status=Status.FAIL,
        summary="11 passed, 1 failed",
        findings=[
            Finding(
                severity=Severity.HIGH,
                title="order failed <script>alert(1)</script>",
                evidence="assert 500 == 201 & more",
            )
        ],
    )
]
GATE = GateOutcome(score=40.0, status="fail", verdict="no-go", reasons=["e2e failed: 1 failed"])


def test_the_page_carries_the_verdict_reasons_summary_and_escapes_every_text(
    tmp_path: Path,
) -> None:
    chart = tmp_path / "load.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    page = render_html(
        RUN,
        RESULTS,
        GATE,
        GateConfig(),
        charts=[Artifact(name="load.png", path=str(chart), kind="chart")],
        narrative={"text": "The verdict is no-go.", "source": "built-in", "model": None},
        defects={
            "tracker": "builtin",
            "summary": "1 defect(s) filed",
            "filed": [{"key": "PP-1", "severity": "high", "title": "order failed"}],
            "matched": [],
        },
    )
    assert '<span class="verdict no-go" id="verdict">NO-GO</span>' in page
    assert "<li>e2e failed: 1 failed</li>" in page
    assert "The verdict is no-go." in page and "Drafted by the built-in analysis" in page
    assert "<b>PP-1</b>" in page
    assert "<script>alert(1)</script>" not in page
    assert "order failed &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "assert 500 == 201 &amp; more" in page
    assert 'src="data:image/png;base64,iVBORw0KGgpmYWtl"' in page  # embedded, self-contained


def test_markdown_and_html_come_from_the_same_context() -> None:
    markdown = render_markdown(RUN, RESULTS, GATE, GateConfig())
    page = render_html(RUN, RESULTS, GATE, GateConfig())
    for text in ("Readiness report: shop 1.1 on local", "11 passed, 1 failed", "e2e failed"):
        assert text in markdown and text in page
