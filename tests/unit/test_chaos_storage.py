"""Chaos storage: one experiment per environment, undo on record before a fault, the stop flag."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from actions.chaos.guards import RollbackStep
from actions.errors import EnvironmentFailure
from storage import chaos, runs
from storage.migrations import MIGRATIONS
from storage.store import Store


def _run(store: Store) -> int:
    return runs.create_run(store, verb="chaos", command="chaos latency shop", environment="staging")


def _start(store: Store, experiment: str = "latency-on-cart", pid: int | None = None) -> int:
    return chaos.start_experiment(
        store,
        run_id=_run(store),
        environment="staging",
        experiment=experiment,
        owner_pid=os.getpid() if pid is None else pid,
    )


def _undo(index: int, service: str = "cart") -> dict[str, object]:
    return asdict(
        RollbackStep("undo", "latency", service, index, f"remove the latency on {service}")
    )


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_second_experiment_on_the_same_environment_is_refused_by_name_and_run(
    store: Store,
) -> None:
    first = _start(store, "latency-on-cart")
    run_id = chaos.active_experiment(store, "staging")["run_id"]  # type: ignore[index]
    with pytest.raises(EnvironmentFailure) as refused:
        _start(store, "errors-on-payments")
    assert str(refused.value) == (
        f"chaos experiment 'latency-on-cart' (run {run_id}) is already running on staging; "
        "stop it or wait for it to finish"
    )
    assert chaos.active_experiment(store, "staging")["id"] == first  # type: ignore[index]


def test_another_environment_is_free(store: Store) -> None:
    _start(store)
    other = chaos.start_experiment(
        store, run_id=_run(store), environment="qa", experiment="x", owner_pid=os.getpid()
    )
    assert chaos.active_experiment(store, "qa")["id"] == other  # type: ignore[index]


def test_an_experiment_of_a_dead_process_is_taken_over_and_left_for_recovery(store: Store) -> None:
    crashed = _start(store, "latency-on-cart", pid=_dead_pid())
    chaos.record_applied(store, crashed, _undo(0))
    mine = _start(store, "errors-on-payments")
    assert chaos.active_experiment(store, "staging")["id"] == mine  # type: ignore[index]
    pending = {e["id"]: e for e in chaos.pending_rollbacks(store)}
    assert pending[crashed]["status"] == "interrupted"
    assert pending[crashed]["owner_alive"] is False
    assert [s["step"] for s in pending[crashed]["steps"]] == [_undo(0)]


def test_undo_is_on_record_before_the_fault_and_pending_latest_first(store: Store) -> None:
    experiment = _start(store)
    assert chaos.record_applied(store, experiment, _undo(0, "cart")) == 0
    # The crash: the process dies here, before its first fault even acted.
    assert [s["step"] for s in chaos.pending_rollbacks(store)[0]["steps"]] == [_undo(0, "cart")]
    assert chaos.record_applied(store, experiment, _undo(2, "payments")) == 1
    assert chaos.record_applied(store, experiment, _undo(0, "cart")) == 0  # applied again
    [pending] = chaos.pending_rollbacks(store)
    assert pending["id"] == experiment and pending["owner_alive"] is True
    assert pending["steps"] == [
        {"position": 1, "step": _undo(2, "payments")},
        {"position": 0, "step": _undo(0, "cart")},
    ]


def test_pending_experiments_are_listed_latest_first(store: Store) -> None:
    older = _start(store, pid=_dead_pid())
    newer = _start(store)
    assert [e["id"] for e in chaos.pending_rollbacks(store)] == [newer, older]


def test_a_rolled_back_step_and_a_finished_experiment_leave_pending(store: Store) -> None:
    experiment = _start(store)
    chaos.record_applied(store, experiment, _undo(0, "cart"))
    chaos.record_applied(store, experiment, _undo(1, "payments"))
    chaos.mark_rolled_back(store, experiment, 1)
    assert [s["position"] for s in chaos.pending_rollbacks(store)[0]["steps"]] == [0]
    chaos.finish_experiment(store, experiment, "rolled_back")
    assert chaos.pending_rollbacks(store) == []
    assert chaos.active_experiment(store, "staging") is None
    _start(store)  # the environment is free again


def test_nothing_is_recorded_on_a_finished_experiment(store: Store) -> None:
    experiment = _start(store)
    chaos.finish_experiment(store, experiment, "done")
    with pytest.raises(ValueError, match="is done, not active"):
        chaos.record_applied(store, experiment, _undo(0))


def test_an_unknown_final_state_is_refused(store: Store) -> None:
    experiment = _start(store)
    with pytest.raises(ValueError, match="not a final state"):
        chaos.finish_experiment(store, experiment, "active")  # type: ignore[arg-type]


def test_a_stop_request_reaches_another_process_on_the_same_file(tmp_path: Path) -> None:
    runner, operator = Store(tmp_path / "shared.db"), Store(tmp_path / "shared.db")
    try:
        experiment = _start(runner)
        assert not chaos.stop_requested(runner, experiment)
        assert chaos.request_stop(operator, "staging") is True
        assert chaos.stop_requested(runner, experiment)
    finally:
        runner.close()
        operator.close()


def test_stopping_an_environment_with_no_experiment_says_so(store: Store) -> None:
    assert chaos.request_stop(store, "staging") is False


def test_the_chaos_migration_applies_to_a_database_of_the_previous_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chaos_version = next(v for v, sql in MIGRATIONS if "TABLE chaos_experiments" in sql)
    with monkeypatch.context() as patched:
        patched.setattr("storage.store.MIGRATIONS", [m for m in MIGRATIONS if m[0] < chaos_version])
        old = Store(tmp_path / "old.db")
        run_id = runs.create_run(old, verb="deploy", command="deploy shop 1.1")
        assert old.schema_version() == chaos_version - 1
        assert "chaos_experiments" not in old.db.table_names()
        old.close()
    store = Store(tmp_path / "old.db")
    try:
        assert store.schema_version() == MIGRATIONS[-1][0]
        assert runs.get_run(store, run_id)["command"] == "deploy shop 1.1"  # type: ignore[index]
        experiment = chaos.start_experiment(
            store, run_id=run_id, environment="staging", experiment="x", owner_pid=os.getpid()
        )
        assert chaos.active_experiment(store, "staging")["id"] == experiment  # type: ignore[index]
    finally:
        store.close()
