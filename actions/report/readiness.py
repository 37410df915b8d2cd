"""The readiness report: the gate's verdict and its evidence, rendered as Markdown and JSON."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import jinja2

from actions.config import GateConfig
from actions.report.gate import GO, GO_WITH_RISK, GateOutcome
from actions.result import Artifact, Result, Severity
from actions.telemetry.regression import change_text

_TEMPLATES = Path(__file__).parent / "templates"
MARKS = {GO: "✅", GO_WITH_RISK: "⚠️", "no-go": "⛔"}


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:.1f}" if abs(value) < 1000 and value != int(value) else f"{value:g}"
    return f"{text} {unit}".strip()


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["num"] = _num
    env.filters["source"] = source_text
    env.filters["change"] = change_text
    env.filters["cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")
    env.filters["indent_block"] = lambda text: "\n".join(
        "  " + line.replace("```", "'''") for line in str(text).splitlines()
    )
    return env


def source_text(source: str) -> str:
    """Where a reason comes from, in words: `finding:e2e:ab12…` -> `finding ab12… in e2e`."""
    kind, _, rest = source.partition(":")
    if kind == "finding":
        step, _, fingerprint = rest.partition(":")
        return f"finding {fingerprint[:8]} in {step}"
    if kind == "slo-score":
        return "SLO score"
    return {"step": "step", "slo": "SLO", "defect": "defect"}.get(kind, kind) + f" {rest}"


def endpoint_rows(results: list[Result]) -> list[dict[str, Any]]:
    """Per-endpoint load figures, one row per endpoint, aggregate last."""
    rows: dict[str, dict[str, Any]] = {}
    for result in results:
        if result.step != "load":
            continue
        for m in result.measurements:
            endpoint = m.tags.get("endpoint")
            if endpoint:
                rows.setdefault(endpoint, {"endpoint": endpoint})[m.name] = m.value
    defaults = {"requests": 0, "error_rate_pct": 0.0, "rps": 0.0}
    ordered = sorted(rows.values(), key=lambda r: (r["endpoint"] == "Aggregated", r["endpoint"]))
    return [{**defaults, "p50_ms": None, "p95_ms": None, "p99_ms": None, **r} for r in ordered]


def render_markdown(
    run: dict[str, Any],
    results: list[Result],
    gate: GateOutcome,
    gate_config: GateConfig,
    *,
    charts: list[Artifact] | None = None,
    narrative: dict[str, Any] | None = None,
    defects: dict[str, Any] | None = None,
) -> str:
    """The report as Markdown, for files, terminals and CI logs.

    `narrative`: the summary paragraph (`text`, `source` llm or built-in, `model`); it restates
    the gate's verdict and is labelled with who drafted it. `defects`: what filing did."""
    context = _context(run, results, gate, gate_config, narrative, defects)
    context["charts"] = [{"name": c.name, "file": Path(c.path).name} for c in charts or []]
    return _environment().get_template("readiness.md.j2").render(**context)


def render_html(
    run: dict[str, Any],
    results: list[Result],
    gate: GateOutcome,
    gate_config: GateConfig,
    *,
    charts: list[Artifact] | None = None,
    narrative: dict[str, Any] | None = None,
    defects: dict[str, Any] | None = None,
) -> str:
    """The same report as one self-contained HTML page (charts embedded), every text escaped."""
    context = _context(run, results, gate, gate_config, narrative, defects)
    context["charts"] = [
        {"name": c.name, "src": _data_uri(Path(c.path))}
        for c in charts or []
        if Path(c.path).is_file()
    ]
    env = _environment()
    env.autoescape = True
    return env.get_template("readiness.html.j2").render(**context)


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _context(
    run: dict[str, Any],
    results: list[Result],
    gate: GateOutcome,
    gate_config: GateConfig,
    narrative: dict[str, Any] | None,
    defects: dict[str, Any] | None,
) -> dict[str, Any]:
    findings = sorted(
        ({"step": r.step, **f.model_dump()} for r in results for f in r.findings),
        key=lambda f: -Severity(f["severity"]).rank,
    )
    contributions = sorted(gate.contributions, key=lambda c: (not c.blocking, -c.points))
    contributed = {c.reason for c in contributions}
    return {
        "run": run,
        "results": results,
        "gate": gate,
        "contributions": contributions,
        "plain_reasons": [r for r in gate.reasons if r not in contributed],
        "gate_config": gate_config,
        "verdict_mark": MARKS.get(gate.verdict, ""),
        "endpoints": endpoint_rows(results),
        "findings": findings,
        "artifacts": [a for r in results for a in r.artifacts],
        "judge": next((r.data["judge"] for r in results if "judge" in r.data), None),
        "narrative": narrative,
        "defects": defects,
    }


def render_json(
    run: dict[str, Any],
    results: list[Result],
    gate: GateOutcome,
    approval: dict[str, Any] | None = None,
) -> str:
    """The report for machines (with where its approval stands, when given)."""
    body = {
        "run": run,
        "verdict": gate.verdict,
        "score": gate.score,
        "risk": gate.risk,
        "reasons": gate.reasons,
        "contributions": [c.model_dump() for c in gate.contributions],
        "objectives": [o.model_dump() for o in gate.objectives],
        "steps": [r.model_dump(mode="json") for r in results],
        "approval": approval,
    }
    return json.dumps(body, indent=2, default=str)
