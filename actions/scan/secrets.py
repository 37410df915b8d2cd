"""Secrets in the release source with detect-secrets (`scan --all-files --no-verify`).

A subprocess, not the Python API: detect-secrets keeps its settings in module globals, and
several runs may scan at once in the bot's threads. `--no-verify`: nothing is sent anywhere.
detect-secrets reports only a hash of each value; the value never enters a finding.
"""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path
from typing import Any

from actions.result import Severity
from actions.scan.config import SKIPPED_DIRS, ScanConfig
from actions.scan.outcome import Issue, ReportError, ScannerOutcome, ScannerStatus
from actions.scan.tool import Tools, run_tool

CHECK = "secrets"
TOOL = "detect-secrets"

HEURISTIC_TYPES = {"Secret Keyword", "Base64 High Entropy String", "Hex High Entropy String"}
"""Types found by keyword or entropy, often false positives: medium. Key formats are high."""
LOW_TYPES = {"Public IP (ipv4)"}


def scan(source: Path, config: ScanConfig, tools: Tools) -> ScannerOutcome:
    """Run detect-secrets over every file of `source` and return what it found."""
    report = tools.workdir / "detect-secrets.json"
    args = ["detect_secrets", "scan", "--all-files", "--no-verify"]
    args += ["--exclude-files", exclude_regex(config.exclude)]
    run = run_tool(tools, TOOL, [*args, "."], cwd=source, report=report, stdout_is_report=True)
    if run.error:
        return ScannerOutcome(CHECK, TOOL, ScannerStatus.ERROR, reason=run.error)
    if run.outcome.exit_code != 0:
        return ScannerOutcome(
            CHECK, TOOL, ScannerStatus.ERROR, reason=run.missing_report(), artifacts=run.artifacts
        )
    try:
        issues = parse_report(report.read_text(encoding="utf-8"), config)
    except ReportError as exc:
        reason = f"detect-secrets' report could not be read: {exc}"
        return ScannerOutcome(CHECK, TOOL, ScannerStatus.ERROR, reason=reason)
    return ScannerOutcome(CHECK, TOOL, ScannerStatus.OK, issues, artifacts=run.artifacts)


def parse_report(text: str, config: ScanConfig) -> list[Issue]:
    """The issues of a detect-secrets report (its `results`: file -> secrets found in it)."""
    try:
        results: dict[str, list[dict[str, Any]]] = json.loads(text)["results"]
        return [
            _issue(path.removeprefix("./"), secret)
            for path, secrets in results.items()
            if not config.is_excluded(path)
            for secret in secrets
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ReportError(str(exc)) from exc


def severity(secret_type: str, verified: bool = False) -> Severity:
    """A verified secret is critical; a known key format high; a keyword or entropy guess medium."""
    if verified:
        return Severity.CRITICAL
    if secret_type in LOW_TYPES:
        return Severity.LOW
    return Severity.MEDIUM if secret_type in HEURISTIC_TYPES else Severity.HIGH


def exclude_regex(globs: list[str]) -> str:
    """detect-secrets' `--exclude-files` regex: the skipped folders, and our globs (a file or
    a folder's contents)."""
    folders = "|".join(re.escape(folder) for folder in SKIPPED_DIRS)
    patterns = [f"(?:.*/)?(?:{folders})/.*"]
    patterns += [fnmatch.translate(g) for g in globs]
    patterns += [fnmatch.translate(g.rstrip("/") + "/*") for g in globs]
    return "^(?:\\./)?(?:" + "|".join(patterns) + ")"


def _issue(path: str, secret: dict[str, Any]) -> Issue:
    kind = str(secret["type"])
    line = int(secret.get("line_number") or 0)
    return Issue(
        scanner=TOOL,
        rule=kind,
        severity=severity(kind, bool(secret.get("is_verified"))),
        message=kind,
        location=f"{path}:{line}",
        evidence=(
            f"{kind} on line {line} of {path}; the value is not shown. "
            "Remove it from the release and rotate it."
        ),
        key=f"{path}:{secret.get('hashed_secret', line)}",
    )
