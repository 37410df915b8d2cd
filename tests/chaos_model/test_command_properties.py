"""Whatever chaos command is typed, nothing starts on a protected or unlisted environment, and
the runner itself refuses before its injector is touched (defence in depth)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.chaos.experiment import parse_experiment
from actions.chaos.guards import ChaosRefused
from actions.chaos.runner import ChaosRunner
from actions.context import RunContext
from actions.plan import RunOutcome, RunRequest
from bot.jobs import JobRunner
from bot.replies import Caller, Started
from bot.service import Preprod
from storage.store import Store
from tests.conftest import example_settings

ENVS = {
    "local": {"kind": "local", "chaos_allowed": True},
    "qa": {"kind": "local", "chaos_allowed": True},  # allowed, but not in the allowlist
    "shared": {"kind": "local", "chaos_allowed": False},
    "prodlike": {"kind": "local", "chaos_allowed": True, "protected": True},
}
ALLOWED = {"local"}
EXPERIMENT = {
    "title": "slow",
    "steady_state": {"probes": [{"type": "http", "service": "storefront", "path": "/"}]},
    "method": [{"type": "latency", "service": "catalog", "delay": "100ms", "duration": "5s"}],
    "blast_radius": {"instances": 1.0},
}
started: list[RunRequest] = []


def _never_runs(request: RunRequest, ctx: RunContext) -> RunOutcome:
    started.append(request)
    return RunOutcome()


def _bot() -> Preprod:
    folder = Path(tempfile.mkdtemp(prefix="chaos-props-"))
    (folder / "chaos").mkdir()
    (folder / "chaos" / "slow.yaml").write_text(yaml.safe_dump(EXPERIMENT))
    settings = example_settings(
        folder,
        environments=ENVS,
        chaos={
            "allowed_environments": sorted(ALLOWED),
            "experiments_dir": str(folder / "chaos"),
            "max_blast_radius": 1.0,
        },
    )
    store = Store(settings.resolve(settings.storage.path))
    return Preprod(settings, store, runner=JobRunner(settings, store, executor=_never_runs))


BOT = _bot()
words = st.sampled_from(["slow", "catalog-latency", "slow.yaml", "../slow", "x"])
envs = st.sampled_from([*ENVS, "production", "LOCAL", ""])
roles = st.sampled_from(["viewer", "engineer", "release-manager", "admin"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(words, envs, roles, st.sampled_from(["", " --env qa", " --reason x"]))
def test_no_chaos_command_starts_anywhere_but_the_allowlist(
    experiment: str, env: str, role: str, extra: str
) -> None:
    before = len(started)
    caller = Caller(user="U1", surface="slack", role=role)
    outcome = BOT.handle(f"chaos run {experiment} {env}{extra}".strip(), caller)
    if isinstance(outcome, Started):
        BOT.runner.wait(outcome.run_id, timeout=10)
        request = started[-1]
        assert request.environment in ALLOWED
        assert not BOT.settings.environments[request.environment].protected
        assert BOT.settings.environments[request.environment].chaos_allowed
    else:
        assert len(started) == before


class TouchNothing:
    """An injector that fails the test if the runner asks it for anything that acts."""

    environment = "prodlike"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def replicas(self) -> dict[str, int]:
        return {"catalog": 1, "storefront": 1}

    def __getattr__(self, name: str) -> Any:
        def record(*_: Any, **__: Any) -> Any:
            self.calls.append(name)
            raise AssertionError(f"the injector was asked to {name}")

        return record


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["qa", "shared", "prodlike"]))
def test_the_runner_refuses_before_touching_the_injector(env: str) -> None:
    injector = TouchNothing()
    ctx = RunContext(settings=BOT.settings, store=BOT.store, run_id="1", workdir=Path("/tmp"))
    runner = ChaosRunner(
        parse_experiment(EXPERIMENT, name="slow"),
        env,
        ctx=ctx,
        injector=injector,  # type: ignore[arg-type]
        urls={"catalog": "http://127.0.0.1:9", "storefront": "http://127.0.0.1:9"},
        reading=lambda *_: None,
        services=["catalog", "storefront"],
    )
    try:
        runner.run()
    except ChaosRefused as refused:
        assert refused.violations
    else:
        raise AssertionError(f"chaos ran on {env}")
    assert injector.calls == []


def test_the_allowed_command_does_start() -> None:
    """The property above is not vacuous: on the allowlisted environment a run starts."""
    outcome = BOT.handle(
        "chaos run slow local", Caller(user="U1", surface="slack", role="engineer")
    )
    assert isinstance(outcome, Started)
    BOT.runner.wait(outcome.run_id, timeout=10)
    assert started[-1].environment == "local" and started[-1].experiment == "slow"
