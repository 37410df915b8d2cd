"""preprod.yaml: validation errors name the file, the key and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions.durations import parse_duration
from actions.errors import ConfigError
from bot.settings import config_path, load_settings

ROOT = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "preprod.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def _shipped() -> dict:
    return yaml.safe_load((ROOT / "preprod.yaml").read_text())


def test_the_shipped_config_is_valid() -> None:
    settings = load_settings(str(ROOT / "preprod.yaml"))
    assert "shop" in settings.apps
    assert settings.base_dir == ROOT


def test_unknown_key_is_named_with_its_path(tmp_path: Path) -> None:
    data = _shipped()
    data["environments"]["local"]["kindd"] = "local"
    with pytest.raises(ConfigError) as err:
        load_settings(str(_write(tmp_path, data)))
    assert "preprod.yaml: environments.local.kindd: unknown key" in str(err.value)


def test_wrong_value_says_what_is_allowed(tmp_path: Path) -> None:
    data = _shipped()
    data["environments"]["local"]["kind"] = "docker"
    with pytest.raises(ConfigError, match=r"environments\.local\.kind: Input should be 'local'"):
        load_settings(str(_write(tmp_path, data)))


def test_bad_slo_criterion_is_explained(tmp_path: Path) -> None:
    data = _shipped()
    data["slos"][0]["objective"] = "fast please"
    with pytest.raises(ConfigError, match=r"slos\.0\.objective: 'fast please' is not a criterion"):
        load_settings(str(_write(tmp_path, data)))


def test_unknown_plan_step_lists_the_steps(tmp_path: Path) -> None:
    data = _shipped()
    data["plan"] = ["deploy", "pray"]
    with pytest.raises(ConfigError, match="unknown step 'pray'; steps are deploy, parity, seed"):
        load_settings(str(_write(tmp_path, data)))


def test_dependency_on_unknown_service_is_refused(tmp_path: Path) -> None:
    data = _shipped()
    data["apps"]["shop"]["services"]["storefront"]["depends_on"] = ["payments"]
    with pytest.raises(ConfigError, match="depends on unknown service 'payments'"):
        load_settings(str(_write(tmp_path, data)))


def test_invalid_yaml_gives_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "version: 1\nenvironments: [\n")
    with pytest.raises(ConfigError, match=r"preprod\.yaml: line \d+, column \d+: not valid YAML"):
        load_settings(str(path))


def test_missing_file_is_a_plain_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_settings(str(tmp_path / "nope.yaml"))


def test_several_problems_are_all_listed(tmp_path: Path) -> None:
    data = _shipped()
    data["gate"]["pass_score"] = 150
    data["plan"] = ["nope"]
    with pytest.raises(ConfigError) as err:
        load_settings(str(_write(tmp_path, data)))
    assert "2 problem(s)" in str(err.value)


def test_local_file_wins_over_the_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("x: 1")
    monkeypatch.setenv("PREPROD_CONFIG", str(other))
    monkeypatch.chdir(tmp_path)
    assert config_path() == other
    (tmp_path / "preprod.yaml").write_text("x: 1")
    assert config_path() == Path("preprod.yaml")
    assert config_path("explicit.yaml") == Path("explicit.yaml")


def test_no_config_anywhere_says_how_to_give_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="pass --config FILE"):
        config_path()


@pytest.mark.parametrize(
    ("text", "seconds"), [("500ms", 0.5), ("30s", 30), ("2m", 120), ("1h", 3600), (7, 7.0)]
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_bad_duration_is_explained() -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration("soon")


def test_a_rollback_policy_on_an_unknown_environment_is_refused(tmp_path: Path) -> None:
    data = _shipped()
    data["rollback_policies"] = [
        {"name": "p", "metric": "p95_ms", "breach": "> 500", "environments": ["prod"]}
    ]
    with pytest.raises(ConfigError, match=r"rollback policy 'p': unknown environment\(s\)"):
        load_settings(str(_write(tmp_path, data)))


def test_a_rollback_policy_on_an_unknown_metric_names_the_known_ones(tmp_path: Path) -> None:
    data = _shipped()
    data["rollback_policies"] = [{"name": "p", "metric": "p96_ms", "breach": "> 500"}]
    with pytest.raises(ConfigError, match=r"unknown metric 'p96_ms'; metrics are rps, "):
        load_settings(str(_write(tmp_path, data)))


def test_telemetry_credentials_are_read_once_at_load_for_configured_backends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _shipped()
    data["telemetry"] = {"prometheus": {"url": "http://127.0.0.1:9"}}
    monkeypatch.setenv("PREPROD_PROMETHEUS_TOKEN", "tok-123")
    monkeypatch.setenv("PREPROD_LOKI_USER", "only-a-user")  # Loki is not configured: not read
    settings = load_settings(str(_write(tmp_path, data)))
    monkeypatch.delenv("PREPROD_PROMETHEUS_TOKEN")
    assert settings.credentials("prometheus").kind == "bearer"
    assert settings.credentials("loki").kind == "none"
    assert "tok-123" not in repr(settings.credentials("prometheus"))


def test_half_set_telemetry_credentials_are_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _shipped()
    data["telemetry"] = {"prometheus": {"url": "http://127.0.0.1:9"}}
    monkeypatch.setenv("PREPROD_PROMETHEUS_USER", "me")
    with pytest.raises(ConfigError, match="PREPROD_PROMETHEUS_PASSWORD"):
        load_settings(str(_write(tmp_path, data)))
