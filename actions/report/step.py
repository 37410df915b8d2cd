"""The report step of a run: defects filed, risk and verdict weighed, the report written."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actions.context import RunContext
from actions.defects.filing import file_findings
from actions.defects.suggest import make_suggester
from actions.defects.tracker import make_tracker
from actions.defects.triage import summary_by_severity
from actions.environments.base import Environment
from actions.errors import PreprodError
from actions.insight.redact import redact
from actions.insight.run_insight import mine_service_logs, narrate, run_events
from actions.report import baseline
from actions.report.charts import load_chart
from actions.report.comparison import baseline_table
from actions.report.gate import GO, GO_WITH_RISK, GateOutcome, OpenDefect, evaluate
from actions.report.readiness import render_html, render_markdown
from actions.result import Artifact, Result, Status, utcnow
from storage import runs


@dataclass(frozen=True)
class Subject:
    """What the run was about: the verb, and the release with what it is compared with."""

    verb: str
    app: str | None
    version: str | None
    baseline: str | None


@dataclass
class Report:
    result: Result
    gate: GateOutcome
    path: str


def report(
    subject: Subject,
    step_results: list[Result],
    *,
    baseline_load: Result | None,
    ctx: RunContext,
    env: Environment,
) -> Report:
    """File the findings, weigh everything into a verdict, and write the report (MD and HTML)."""
    started = utcnow()
    results = with_baseline(subject.app, subject.baseline, step_results, ctx)
    defects = file_defects(subject.version, results, ctx=ctx) if subject.verb == "ready" else None
    carried = [OpenDefect(**d) for d in (defects or {}).get("carried", [])]
    gate = evaluate(results, ctx.settings.slos, ctx.settings.gate, open_defects=carried)
    ctx.progress("mining the services' logs and drafting the summary")
    summary, mined = _narrative(subject.app, results, gate, ctx=ctx, env=env)
    run = runs.get_run(ctx.store, int(ctx.run_id)) or {}
    out_dir = Path(ctx.step_dir("report"))
    artifacts = []
    chart = load_chart(
        results,
        baseline_load,
        out_dir,
        label=f"{subject.app} {subject.version}",
        baseline_label=f"{subject.app} {subject.baseline}" if subject.baseline else "baseline",
    )
    if chart is not None:
        artifacts.append(chart)
    artifacts += _step_charts(results, out_dir)
    path, html = out_dir / "readiness.md", out_dir / "readiness.html"
    for target, render in ((path, render_markdown), (html, render_html)):
        text = render(
            run,
            results,
            gate,
            ctx.settings.gate,
            charts=artifacts,
            narrative=summary,
            defects=defects,
        )
        target.write_text(text, encoding="utf-8")
    status = {GO: Status.PASS, GO_WITH_RISK: Status.WARN}.get(gate.verdict, Status.FAIL)
    said = f"verdict {gate.verdict}, risk {gate.risk:g}"
    said += f", SLO score {gate.score:g}%" if gate.score else ""
    result = Result(
        step="report",
        status=status,
        summary=said,
        artifacts=[
            Artifact(name="readiness.md", path=str(path), kind="report"),
            Artifact(name="readiness.html", path=str(html), kind="report"),
            *artifacts,
        ],
        data={
            "gate": gate.model_dump(),
            "verdict": gate.verdict,
            "mined": mined,
            "narrative": summary,
            "defects": defects,
        },
        started_at=started,
    )
    return Report(result=result, gate=gate, path=str(path))


def with_baseline(
    app: str | None, baseline_version: str | None, results: list[Result], ctx: RunContext
) -> list[Result]:
    """The results with each measurement's baseline from the comparison runs."""
    if not app:
        return results
    table = baseline_table(ctx.store, ctx.settings.gate, app, baseline_version, int(ctx.run_id))
    return baseline.with_baseline(results, table)


def file_defects(release: str | None, results: list[Result], *, ctx: RunContext) -> dict[str, Any]:
    """File the run's findings in the defect tracker (triaged, de-duplicated by fingerprint);
    a tracker that fails is said in the report, it does not fail the run.

    `carried`: defects still open for the release that none of this run's findings is about
    (they weigh in the risk on their own)."""
    run = runs.get_run(ctx.store, int(ctx.run_id)) or {"id": int(ctx.run_id)}
    try:
        tracker = make_tracker(ctx.settings, ctx.store, os.environ)
        filing = file_findings(
            results,
            run=run,
            settings=ctx.settings,
            tracker=tracker,
            store=ctx.store,
            suggester=make_suggester(ctx.settings, os.environ),
        )
        still_open = [d for d in tracker.list(release) if d.status == "open"]
    except PreprodError as exc:
        ctx.warn(f"defects were not filed: {exc}")
        return {"error": str(exc)}
    if filing.filed or filing.matched:
        ctx.progress(f"defects: {filing.summary}")
    found = {f.fingerprint for r in results for f in r.findings}
    carried = [d for d in still_open if d.fingerprint not in found]
    return {
        "tracker": filing.tracker,
        "summary": filing.summary,
        "filed": [f.model_dump() for f in filing.filed],
        "matched": [f.model_dump() for f in filing.matched],
        "open": summary_by_severity(still_open),
        "open_keys": [f"{d.key} ({d.severity}) {d.title}" for d in still_open[:20]],
        "carried": [{"key": d.key, "severity": d.severity, "title": d.title} for d in carried],
    }


def _narrative(
    app_name: str | None,
    results: list[Result],
    gate: GateOutcome,
    *,
    ctx: RunContext,
    env: Environment,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The report's summary (LLM or built-in) and the mined logs of the run's services."""
    app = ctx.settings.apps.get(app_name or "")
    events = run_events(ctx.store, int(ctx.run_id))
    mined = mine_service_logs(env, sorted(app.services), events) if app else None
    drafted = narrate(
        ctx.settings,
        ctx.store,
        int(ctx.run_id),
        results,
        verdict=gate.verdict,
        reasons=gate.reasons,
        mined=mined,
        events=events,
    )
    summary = {
        "text": redact(drafted.text),
        "source": drafted.source,
        "model": drafted.model,
        "fallback": drafted.fallback_reason,
    }
    return summary, mined


def _step_charts(results: list[Result], out_dir: Path) -> list[Artifact]:
    """Charts the steps drew themselves (a chaos experiment's), copied beside the report."""
    copied = []
    for result in results:
        for artifact in result.artifacts:
            source = Path(artifact.path)
            if artifact.kind != "chart" or not source.is_file():
                continue
            target = out_dir / f"{result.step}-{source.name}"
            shutil.copyfile(source, target)
            copied.append(Artifact(name=target.name, path=str(target), kind="chart"))
    return copied
