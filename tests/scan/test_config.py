"""The `scan:` settings: defaults, validation, the source template and exclusion globs."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from actions.result import Severity
from actions.scan.config import ScanConfig, resolve_source


def test_defaults_scan_the_release_with_every_check_and_fail_on_high() -> None:
    config = ScanConfig()

    assert config.source == "{release_dir}"
    assert config.checks == ["sast", "secrets", "endpoints", "dependencies"]
    assert config.fail_on is Severity.HIGH
    assert config.requirements is None
    assert config.timeout_s == 300


def test_one_requirement_file_may_be_given_as_a_string() -> None:
    assert ScanConfig(requirements="requirements.lock").requirements == ["requirements.lock"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"source": "releases/{tag}"}, "unknown placeholder {tag}"),
        ({"checks": ["sast", "fuzz"]}, "Input should be 'sast'"),
        ({"checks": []}, "at least 1 item"),
        ({"fail_on": "severe"}, "Input should be 'info'"),
        ({"endpoint_paths": ["api/orders"]}, "'api/orders' must start with /"),
        ({"advisory_url": "http://osv.internal/v1/query"}, "set advisory_service: osv"),
        ({"timeout": "soon"}, "is not a duration"),
        ({"scan_everything": True}, "Extra inputs are not permitted"),
    ],
)
def test_a_wrong_setting_is_rejected_with_the_reason(
    settings: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        ScanConfig.model_validate(settings)


def test_the_source_template_is_filled_relative_to_the_config_folder(tmp_path: Path) -> None:
    config = ScanConfig(source="builds/{version}/src")

    source = resolve_source(config, base_dir=tmp_path, version="1.1", release_dir=None)

    assert source == tmp_path / "builds" / "1.1" / "src"


def test_the_default_source_is_the_release_folder(tmp_path: Path) -> None:
    release = tmp_path / "releases" / "1.1"

    assert resolve_source(ScanConfig(), base_dir=Path("/"), version="1.1", release_dir=release) == (
        release
    )


def test_release_dir_without_a_release_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no releases_dir"):
        resolve_source(ScanConfig(), base_dir=tmp_path, version="1.1", release_dir=None)


@pytest.mark.parametrize(
    ("path", "excluded"),
    [
        ("tests/test_app.py", True),
        ("./tests/deep/er/conftest.py", True),
        ("app/tests.py", False),
        ("static/app.min.js", True),
        ("docs/index.md", True),
        ("app/main.py", False),
    ],
)
def test_exclude_globs_match_files_and_folders(path: str, excluded: bool) -> None:
    config = ScanConfig(exclude=["tests", "*.min.js", "docs/"])

    assert config.is_excluded(path) is excluded


@pytest.mark.parametrize(
    "path",
    [".venv/lib/python3.11/site-packages/x.py", "svc/node_modules/a/index.js", ".git/config"],
)
def test_virtualenvs_installed_packages_and_vcs_data_are_always_excluded(path: str) -> None:
    assert ScanConfig().is_excluded(path)
