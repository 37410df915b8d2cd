"""The shop on the local environment, behind its fault sidecars, with short experiments to run.

Experiments are written into the test's own folder (`write_experiment`) so each test states the
faults, durations and guards it measures.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from actions.context import Event
from actions.environments.factory import open_environment
from actions.environments.local_state import load_state
from bot.jobs import JobRunner
from bot.replies import Caller, Started
from bot.service import Preprod
from storage import runs
from storage.store import Store
from tests.conftest import example_settings

ENGINEER = Caller(user="local:eve", surface="cli", name="eve")
STEADY = {
    "window": "2s",
    "recovery": "20s",
    "probes": [
        {"type": "http", "service": "storefront", "path": "/api/products", "timeout": "2s"},
        {"type": "slo", "metric": "error_rate_pct", "service": "storefront", "tolerance": "< 5%"},
    ],
}
TRAFFIC = {"service": "storefront", "paths": ["/api/products"], "rate": 20}


def write_experiment(folder: Path, name: str, method: list[dict[str, Any]], **extra: Any) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    body = {
        "title": name,
        "steady_state": STEADY,
        "traffic": TRAFFIC,
        "method": method,
        "blast_radius": {"instances": 1.0, "services": 1},
        **extra,
    }
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(body))


def make_bot(tmp_path: Path, **overrides: Any) -> Preprod:
    chaos = {
        "allowed_environments": ["local"],
        "experiments_dir": str(tmp_path / "chaos"),
        "max_duration": "2m",
        "max_blast_radius": 1.0,
        "approval_timeout": "30s",
        **overrides.pop("chaos", {}),
    }
    settings = example_settings(tmp_path, chaos=chaos, **overrides)
    settings.environments["local"].teardown_after_run = False
    store = Store(settings.resolve(settings.storage.path))
    return Preprod(settings, store, runner=JobRunner(settings, store))


def start(bot: Preprod, command: str, caller: Caller = ENGINEER) -> int:
    started = bot.handle(command, caller)
    assert isinstance(started, Started), started
    return started.run_id


def finish(bot: Preprod, run_id: int, timeout: float = 120) -> dict[str, Any]:
    bot.runner.wait(run_id, timeout=timeout)
    found = {r["step"]: r for r in runs.results_of(bot.store, run_id)}
    assert "chaos" in found, runs.get_run(bot.store, run_id)
    return found["chaos"]


def deploy(bot: Preprod, version: str = "1.0") -> None:
    run_id = start(bot, f"deploy shop {version}")
    bot.runner.wait(run_id, timeout=60)
    assert open_environment(bot.settings, "local").status().healthy


def sidecar_faults(bot: Preprod, service: str) -> dict[str, Any]:
    """What the service's fault sidecar holds now, asked over its control API."""
    env = open_environment(bot.settings, "local")
    state = load_state(env.state_path)  # type: ignore[attr-defined]
    record = state.services[service]
    assert record.control_url, "the service has no sidecar"
    response = httpx.get(
        record.control_url + "/faults", headers={"X-Preprod-Token": state.chaos_token or ""}
    )
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def measurement(result: dict[str, Any], name: str, **tags: str) -> float | None:
    for m in result["measurements"]:
        if m["name"] == name and all(m.get("tags", {}).get(k) == v for k, v in tags.items()):
            return float(m["value"])
    return None


def events_of(bot: Preprod) -> list[Event]:
    seen: list[Event] = []
    bot.runner.subscribe(seen.append)
    return seen


def storefront_ms(url: str) -> float:
    """The median of three product lists at `url`, in ms (one slow answer on a busy machine
    is not a fault)."""
    took = []
    for _ in range(3):
        began = time.perf_counter()
        httpx.get(url + "/api/products", timeout=10).raise_for_status()
        took.append((time.perf_counter() - began) * 1000)
    return sorted(took)[1]
