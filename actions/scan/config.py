"""The `scan:` settings of an app: what the security scan checks, where, and when it fails.

Kept free of `actions.config` imports so that the settings schema can import it.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from actions.durations import parse_duration
from actions.result import Severity

Check = Literal["sast", "secrets", "endpoints", "dependencies"]
CHECKS: tuple[Check, ...] = get_args(Check)
PLACEHOLDERS = ("version", "release_dir")
SKIPPED_DIRS = (".git", ".hg", ".svn", ".venv", "venv", "node_modules", "site-packages", ".tox")
"""Folders never scanned: version control data, virtualenvs and installed packages."""
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class ScanConfig(BaseModel):
    """What `/preprod scan` checks. Paths in `source` and `ca_file` are relative to the config's
    folder; `requirements` and `exclude` are relative to the scanned source."""

    model_config = ConfigDict(extra="forbid")

    source: str = "{release_dir}"
    """The release source to scan; `{version}` and `{release_dir}` are filled in."""
    checks: list[Check] = Field(default_factory=lambda: list(CHECKS), min_length=1)
    requirements: list[str] | None = None
    """Requirement files for pip-audit; none: every requirements*.txt, else pyproject.toml."""
    fail_on: Severity = Severity.HIGH
    """A finding at or above this severity fails the step; one below it warns."""
    exclude: list[str] = Field(default_factory=list)
    """Globs of source paths to ignore, e.g. `tests/*`, `*.min.js` (`*` also crosses `/`)."""
    endpoint_paths: list[str] = Field(default_factory=list)
    """Paths of each service checked like its base URL, e.g. `/orders` (also sent bad JSON)."""
    timeout: str = "5m"
    """Longest run of each scanner."""
    request_timeout: str = "10s"
    """Longest wait for one HTTP request or TLS handshake (also pip-audit's socket timeout)."""
    advisory_service: Literal["pypi", "osv"] = "pypi"
    advisory_url: str | None = None
    """An OSV-compatible query API (e.g. an internal mirror); needs `advisory_service: osv`."""
    ignore_vulns: list[str] = Field(default_factory=list)
    """Advisory ids pip-audit must not report (accepted risks)."""
    ca_file: str | None = None
    """CA bundle that signs the environment's certificates; none: the system's."""
    cert_expiry_days: int = Field(14, ge=0)
    """A certificate expiring within this many days is a finding."""

    @field_validator("requirements", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("checks")
    @classmethod
    def _no_repeats(cls, value: list[Check]) -> list[Check]:
        return list(dict.fromkeys(value))

    @field_validator("source")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        for name in _PLACEHOLDER.findall(value):
            if name not in PLACEHOLDERS:
                known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
                raise ValueError(f"unknown placeholder {{{name}}} (use {known})")
        return value

    @field_validator("timeout", "request_timeout")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("endpoint_paths")
    @classmethod
    def _absolute_paths(cls, value: list[str]) -> list[str]:
        for path in value:
            if not path.startswith("/"):
                raise ValueError(f"{path!r} must start with /")
        return value

    @model_validator(mode="after")
    def _advisory_url_needs_osv(self) -> ScanConfig:
        if self.advisory_url and self.advisory_service != "osv":
            raise ValueError("advisory_url is an OSV API: set advisory_service: osv")
        return self

    @property
    def timeout_s(self) -> float:
        return parse_duration(self.timeout)

    @property
    def request_timeout_s(self) -> float:
        return parse_duration(self.request_timeout)

    def is_excluded(self, path: str) -> bool:
        """Whether `path` (relative to the source, `/`-separated) is in a skipped folder or
        matches an `exclude` glob, itself or through one of its folders."""
        path = path.removeprefix("./")
        if set(SKIPPED_DIRS).intersection(path.split("/")[:-1]):
            return True
        return any(
            fnmatch.fnmatchcase(path, glob) or fnmatch.fnmatchcase(path, glob.rstrip("/") + "/*")
            for glob in self.exclude
        )


def resolve_source(
    config: ScanConfig, *, base_dir: Path, version: str, release_dir: Path | None
) -> Path:
    """The folder to scan: `config.source` with its placeholders filled, under `base_dir`.

    Raises ValueError when the template needs a release folder and the app has none.
    """
    if "{release_dir}" in config.source and release_dir is None:
        raise ValueError(
            "scan.source uses {release_dir} but the app has no releases_dir: set scan.source"
        )
    text = config.source.replace("{version}", version)
    text = text.replace("{release_dir}", str(release_dir))
    return (base_dir / Path(text).expanduser()).resolve()
