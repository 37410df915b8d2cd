"""Shared fixtures: a clean environment, the repository root, settings and a store in tmp_path."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings as hypothesis_settings

from actions.config import Settings
from storage.store import Store

ROOT = Path(__file__).resolve().parents[1]

# Property tests judge behaviour, not speed: no per-example deadline on a busy 2-core machine.
hypothesis_settings.register_profile("preprod", deadline=None)
hypothesis_settings.load_profile("preprod")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees a Slack token or a preprod setting from the developer's shell."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "PREPROD_")):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def repo_root() -> Path:
    return ROOT


def example_config(
    tmp_path: Path, *, chaos_in_ready: bool = False, **overrides: Any
) -> dict[str, Any]:
    """The shipped preprod.yaml as data, with storage moved into tmp_path.

    `ready` runs no chaos experiment unless `chaos_in_ready` (each adds about 20 s; the tests of
    the whole shipped plan ask for it).
    """
    data = yaml.safe_load((ROOT / "preprod.yaml").read_text())
    data["storage"] = {
        "path": str(tmp_path / "preprod.db"),
        "artifacts": str(tmp_path / "artifacts"),
    }
    data["environments"]["local"]["workdir"] = str(tmp_path / "env-local")
    shop = data["apps"]["shop"]
    shop["releases_dir"] = str(ROOT / shop["releases_dir"])
    shop["e2e"]["cwd"] = str(ROOT)
    shop["load"]["locustfile"] = str(ROOT / shop["load"]["locustfile"])
    shop["load"]["duration"] = "4s"
    if shop.get("seed", {}).get("synthetic"):
        shop["seed"]["synthetic"] = str(ROOT / shop["seed"]["synthetic"])
    data.update(overrides)
    if "rollback_policies" not in overrides:  # the shipped policies guard only shipped environments
        data["rollback_policies"] = [
            p
            for p in data.get("rollback_policies", [])
            if set(p.get("environments", [])) <= set(data["environments"])
        ]
    chaos = data.get("chaos") or {}
    if chaos.get("experiments_dir"):
        chaos["experiments_dir"] = str(ROOT / chaos["experiments_dir"])
    if "chaos" not in overrides and not chaos_in_ready:
        chaos["ready"] = []
    if "chaos" not in overrides and chaos.get("allowed_environments"):
        chaos["allowed_environments"] = [
            e for e in chaos["allowed_environments"] if e in data["environments"]
        ]
    return data


def write_config(tmp_path: Path, *, chaos_in_ready: bool = False, **overrides: Any) -> Path:
    """The example config, usable from any folder, written to tmp_path/preprod.yaml."""
    path = tmp_path / "preprod.yaml"
    data = example_config(tmp_path, chaos_in_ready=chaos_in_ready, **overrides)
    path.write_text(yaml.safe_dump(data))
    return path


def example_settings(tmp_path: Path, **overrides: Any) -> Settings:
    settings = Settings.model_validate(example_config(tmp_path, **overrides))
    settings.base_dir = ROOT
    return settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return example_settings(tmp_path)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "preprod.db")
    yield s
    s.close()
