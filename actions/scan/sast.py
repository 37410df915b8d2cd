"""SAST of the release source with bandit (`python -m bandit -r . -f json`), and its report read.

Severity: bandit's own, one step lower when bandit's confidence is low. Hard-coded password
rules quote the value: it is masked, and their code line is not kept.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from actions.result import Severity
from actions.scan.config import SKIPPED_DIRS, ScanConfig
from actions.scan.outcome import Issue, ReportError, ScannerOutcome, ScannerStatus
from actions.scan.tool import Tools, run_tool

CHECK = "sast"
TOOL = "bandit"
_PASSWORD_RULES = {"B105", "B106", "B107"}
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
# bandit's own default exclusions, plus ours (bandit matches these as substrings of paths)
EXCLUDED = ",".join(
    [".svn", "CVS", ".bzr", ".hg", ".git", "__pycache__", ".tox", ".eggs", "*.egg"]
    + [f"/{folder}/" for folder in SKIPPED_DIRS]
)
_SEVERITY = {"LOW": Severity.LOW, "MEDIUM": Severity.MEDIUM, "HIGH": Severity.HIGH}


def scan(source: Path, config: ScanConfig, tools: Tools) -> ScannerOutcome:
    """Run bandit over `source` and return its issues, or why it could not say."""
    report = tools.workdir / "bandit.json"
    args = ["bandit", "-r", ".", "-f", "json", "-q", "-o", str(report), "-x", EXCLUDED]
    run = run_tool(tools, TOOL, args, cwd=source, report=report)
    if run.error:
        return ScannerOutcome(CHECK, TOOL, ScannerStatus.ERROR, reason=run.error)
    if not report.is_file():
        return ScannerOutcome(
            CHECK, TOOL, ScannerStatus.ERROR, reason=run.missing_report(), artifacts=run.artifacts
        )
    try:
        issues = parse_report(report.read_text(encoding="utf-8"), config)
    except ReportError as exc:
        reason = f"bandit's report could not be read: {exc}"
        return ScannerOutcome(CHECK, TOOL, ScannerStatus.ERROR, reason=reason)
    return ScannerOutcome(CHECK, TOOL, ScannerStatus.OK, issues, artifacts=run.artifacts)


def parse_report(text: str, config: ScanConfig) -> list[Issue]:
    """The issues of a bandit JSON report, files that bandit could not parse included (info)."""
    try:
        data = json.loads(text)
        issues = [
            _issue(result)
            for result in data["results"]
            if not config.is_excluded(_relative(str(result.get("filename", ""))))
        ]
        for error in data.get("errors", []):
            path = _relative(str(error.get("filename", "")))
            if not config.is_excluded(path):
                reason = f"file not analysed: {error.get('reason', 'unknown reason')}"
                issues.append(Issue(TOOL, "not-scanned", Severity.INFO, reason, path))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ReportError(str(exc)) from exc
    return issues


def severity(bandit_severity: str, confidence: str) -> Severity:
    """Our severity for bandit's severity and confidence (low confidence: one step lower)."""
    ours = _SEVERITY.get(bandit_severity.upper(), Severity.LOW)
    if confidence.upper() == "LOW":
        return [Severity.INFO, Severity.LOW, Severity.MEDIUM][ours.rank - 1]
    return ours


def _issue(result: dict[str, Any]) -> Issue:
    rule = str(result.get("test_id", "B000"))
    path = _relative(str(result.get("filename", "")))
    line = int(result.get("line_number") or 0)
    text = str(result.get("issue_text", "")).strip()
    evidence = ""
    if rule in _PASSWORD_RULES:
        text = _QUOTED.sub("'***'", text)
    else:
        evidence = _flagged_lines(str(result.get("code", "")), result.get("line_range") or [line])
    more = result.get("more_info")
    if more:
        evidence = f"{evidence}\n{more}".strip()
    return Issue(
        scanner=TOOL,
        rule=rule,
        severity=severity(
            str(result.get("issue_severity", "")), str(result.get("issue_confidence", ""))
        ),
        message=f"{rule} {text}",
        location=f"{path}:{line}",
        evidence=evidence,
    )


def _flagged_lines(code: str, line_range: list[int]) -> str:
    """Only the flagged lines of bandit's snippet: its context lines could hold anything."""
    kept = []
    for numbered in code.splitlines():
        number, _, source = numbered.partition(" ")
        if number.isdigit() and int(number) in line_range:
            kept.append(f"{number}: {source.strip()}")
    return "\n".join(kept)


def _relative(path: str) -> str:
    return path.removeprefix("./")
