"""The dependency audit: pip-audit over the release's requirement files (or its pyproject.toml).

Fully pinned requirement files are audited as they are (`--no-deps --disable-pip`), without
resolving anything; other ones are resolved by pip-audit through the package index.
pip-audit gives no severity: a known vulnerability is `high`.

When no advisory database answers, the audit is `skipped: no advisory database reachable`,
never a pass. That covers a network error in pip-audit's output, and PyPI's JSON API knowing
none of the dependencies (what a registry mirror without that API answers: pip-audit itself
would call that a clean audit).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actions.result import Artifact, Severity
from actions.scan.config import ScanConfig
from actions.scan.outcome import Issue, ReportError, ScannerOutcome, ScannerStatus
from actions.scan.tool import Tools, run_tool

CHECK = "dependencies"
TOOL = "pip-audit"
UNREACHABLE = "no advisory database reachable"
_NETWORK_ERROR = re.compile(
    r"ConnectionError|ConnectTimeout|ReadTimeout|ProxyError|SSLError|NameResolutionError"
    r"|Max retries exceeded|Could not connect to|Failed to establish a new connection"
    r"|Temporary failure in name resolution|Name or service not known|timed out",
)
_NOT_ON_PYPI = "not found on PyPI"


@dataclass(frozen=True)
class Audit:
    """What pip-audit's JSON report says."""

    issues: list[Issue]
    audited: int
    not_audited: dict[str, str]
    """Dependency -> why pip-audit skipped it."""


def scan(source: Path, config: ScanConfig, tools: Tools) -> ScannerOutcome:
    """Audit the release's dependencies; `skipped` when no advisory database is reachable."""
    files = requirement_files(source, config)
    project = source / "pyproject.toml"
    if not files and not project.is_file():
        reason = "no requirements*.txt or pyproject.toml in the source"
        return ScannerOutcome(CHECK, TOOL, ScannerStatus.NOTHING, reason=reason)
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        reason = f"requirement file not found: {', '.join(missing)}"
        return ScannerOutcome(CHECK, TOOL, ScannerStatus.ERROR, reason=reason)
    report = tools.workdir / "pip-audit.json"
    args = audit_args(config, tools.workdir / "pip-audit-cache", report)
    if files:
        texts = [f.read_text(encoding="utf-8", errors="replace") for f in files]
        for f in files:
            args += ["-r", str(f)]
        if all(is_fully_pinned(t) for t in texts):
            args += ["--no-deps", "--disable-pip"]
    else:
        args.append(".")
    run = run_tool(tools, TOOL, args, cwd=source, report=report)
    if run.error:
        return ScannerOutcome(CHECK, TOOL, ScannerStatus.ERROR, reason=run.error)
    if not report.is_file():
        cause = network_error(run.outcome.tail(5))
        if cause:
            reason = f"{UNREACHABLE} ({cause})"
            return ScannerOutcome(
                CHECK, TOOL, ScannerStatus.SKIPPED, reason=reason, artifacts=run.artifacts
            )
        return ScannerOutcome(
            CHECK, TOOL, ScannerStatus.ERROR, reason=run.missing_report(), artifacts=run.artifacts
        )
    location = ", ".join(_shown(f, source) for f in files) or "pyproject.toml"
    try:
        audit = parse_report(report.read_text(encoding="utf-8"), location)
    except ReportError as exc:
        reason = f"pip-audit's report could not be read: {exc}"
        return ScannerOutcome(CHECK, TOOL, ScannerStatus.ERROR, reason=reason)
    return judge_audit(audit, config.advisory_service, run.artifacts, location)


def judge_audit(
    audit: Audit, service: str, artifacts: list[Artifact], location: str
) -> ScannerOutcome:
    """An audit in which PyPI knew none of the dependencies is no audit at all."""
    unknown = [why for why in audit.not_audited.values() if _NOT_ON_PYPI in why]
    if service == "pypi" and unknown and audit.audited == 0:
        reason = (
            f"{UNREACHABLE} (PyPI's JSON API knew none of the {len(unknown)} dependencies: "
            "a registry mirror without that API, or only private packages)"
        )
        return ScannerOutcome(
            CHECK, TOOL, ScannerStatus.SKIPPED, reason=reason, artifacts=artifacts
        )
    issues = list(audit.issues)
    for name, why in audit.not_audited.items():
        issues.append(
            Issue(TOOL, "not-audited", Severity.INFO, f"{name} not audited: {why}", location)
        )
    return ScannerOutcome(CHECK, TOOL, ScannerStatus.OK, issues, artifacts=artifacts)


def audit_args(config: ScanConfig, cache_dir: Path, report: Path) -> list[str]:
    """pip-audit's options for this config, before the requirements."""
    args = [
        "pip_audit",
        "--format",
        "json",
        "--progress-spinner",
        "off",
        "--timeout",
        str(max(1, round(config.request_timeout_s))),
        "--cache-dir",
        str(cache_dir),
        "--output",
        str(report),
        "--vulnerability-service",
        config.advisory_service,
    ]
    if config.advisory_url:
        args += ["--osv-url", config.advisory_url]
    for vuln in config.ignore_vulns:
        args += ["--ignore-vuln", vuln]
    return args


def requirement_files(source: Path, config: ScanConfig) -> list[Path]:
    """The configured requirement files, else every requirements*.txt in the source."""
    if config.requirements is not None:
        return [source / r for r in config.requirements]
    found = []
    for path in sorted(source.rglob("requirements*.txt")):
        if not config.is_excluded(path.relative_to(source).as_posix()):
            found.append(path)
    return found


def is_fully_pinned(text: str) -> bool:
    """Every requirement is `name==version` (hashes allowed); no includes, URLs or editables."""
    for line in _logical_lines(text):
        if line.startswith("--hash") or line.startswith(("--index-url", "--extra-index-url")):
            continue
        if line.startswith("-"):
            return False
        requirement = line.split(";", 1)[0].split(" --hash", 1)[0].strip()
        if "@" in requirement or not re.search(r"===?\s*[^\s*,]+$", requirement):
            return False
        if "," in requirement:
            return False
    return True


def network_error(tail: str) -> str | None:
    """The network error that stopped pip-audit, from the end of its output, if it was one."""
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    if lines and _NETWORK_ERROR.search(lines[-1]):
        return lines[-1][:300]
    return None


def parse_report(text: str, location: str) -> Audit:
    """pip-audit's JSON report: each vulnerable dependency's advisories, and what was skipped."""
    try:
        deps: list[dict[str, Any]] = json.loads(text)["dependencies"]
        issues: list[Issue] = []
        skipped: dict[str, str] = {}
        audited = 0
        for dep in deps:
            name = str(dep["name"])
            if "skip_reason" in dep:
                skipped[name] = str(dep["skip_reason"])
                continue
            audited += 1
            issues += [_issue(name, str(dep.get("version")), v, location) for v in dep["vulns"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ReportError(str(exc)) from exc
    return Audit(issues=issues, audited=audited, not_audited=skipped)


def _issue(name: str, version: str, vuln: dict[str, Any], location: str) -> Issue:
    vuln_id = str(vuln["id"])
    aliases = [str(a) for a in vuln.get("aliases") or []]
    fixes = [str(v) for v in vuln.get("fix_versions") or []]
    fixed = f"fixed in {', '.join(fixes)}" if fixes else "no fixed version"
    ids = ", ".join([vuln_id, *aliases])
    return Issue(
        scanner=TOOL,
        rule=vuln_id,
        severity=Severity.HIGH,
        message=f"{name} {version}: {ids} ({fixed})",
        location=location,
        evidence=str(vuln.get("description") or ""),
        key=f"{name}:{version}:{vuln_id}",
    )


def _logical_lines(text: str) -> Iterable[str]:
    """Requirement lines with continuations joined and comments dropped."""
    joined = re.sub(r"\\\r?\n", " ", text)
    for raw in joined.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if line:
            yield line


def _shown(path: Path, source: Path) -> str:
    try:
        return path.relative_to(source).as_posix()
    except ValueError:
        return str(path)
