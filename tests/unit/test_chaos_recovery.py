"""Start-up recovery of chaos experiments a crashed bot left: every undo on record, latest first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from actions.chaos.recovery import recover
from storage import chaos, runs
from storage.store import Store


class RecordingInjector:
    """Remembers what it was asked to undo; fails on the services it is told to."""

    environment = "staging"

    def __init__(self, failing: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.undone: list[tuple[str, str, dict[str, Any]]] = []
        self.restored: list[str] = []
        self.failing = failing
        self.closed = False

    def undo(self, action: str, service: str, undo: dict[str, Any]) -> str:
        if service in self.failing:
            raise RuntimeError(f"{service} does not answer")
        self.undone.append((action, service, undo))
        return f"{action} on {service}: removed"

    def restore(self, service: str, before: dict[str, Any]) -> str:
        self.restored.append(service)
        return f"{service}: as before"

    def close(self) -> None:
        self.closed = True


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _crashed(store: Store, pid: int) -> int:
    run_id = runs.create_run(store, verb="chaos", command="chaos run x", environment="staging")
    exp = chaos.start_experiment(
        store, run_id=run_id, environment="staging", experiment="x", owner_pid=pid
    )
    chaos.record_applied(
        store,
        exp,
        {
            "kind": "rollback",
            "action": "restore",
            "service": "cart",
            "index": 0,
            "description": "restore cart",
            "environment": "staging",
            "data": {"before": {}},
        },
    )
    for index, service in enumerate(["cart", "pay"]):
        chaos.record_applied(
            store,
            exp,
            {
                "kind": "undo",
                "action": "latency",
                "service": service,
                "index": index,
                "description": f"remove the latency on {service}",
                "environment": "staging",
                "data": {"ref": f"{exp}-{index}"},
            },
        )
    return exp


def test_a_crashed_experiment_is_undone_latest_first_and_closed(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    exp = _crashed(store, _dead_pid())
    injector = RecordingInjector()
    done = recover(store, lambda env: (injector, {}))

    assert [(a, s) for a, s, _ in injector.undone] == [("latency", "pay"), ("latency", "cart")]
    assert injector.restored == ["cart"] and injector.closed
    assert [item.complete for item in done] == [True]
    assert "rolled back: latency on pay: removed; latency on cart: removed" in done[0].text()
    assert chaos.pending_rollbacks(store) == []
    status = store.db.execute("SELECT status FROM chaos_experiments WHERE id = ?", [exp]).fetchone()
    assert status[0] == "rolled_back"
    assert recover(store, lambda env: (RecordingInjector(), {})) == []  # nothing twice


def test_a_failed_undo_stays_pending_and_the_others_still_run(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    _crashed(store, _dead_pid())
    injector = RecordingInjector(failing={"pay"})
    [item] = recover(store, lambda env: (injector, {}))
    assert not item.complete and "pay does not answer" in item.text()
    assert [s for _, s, _ in injector.undone] == ["cart"]
    [pending] = chaos.pending_rollbacks(store)
    assert [s["step"]["service"] for s in pending["steps"]] == ["pay"]
    # next start: it works, the experiment is closed
    [again] = recover(store, lambda env: (RecordingInjector(), {}))
    assert again.complete and chaos.pending_rollbacks(store) == []


def test_an_experiment_another_live_process_runs_is_left_alone(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    _crashed(store, os.getpid())
    injector = RecordingInjector()
    assert recover(store, lambda env: (injector, {})) == []
    assert injector.undone == [] and len(chaos.pending_rollbacks(store)) == 1


def test_an_experiment_left_for_recovery_frees_its_environment(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    exp = _crashed(store, os.getpid())
    chaos.leave_for_recovery(store, exp)
    assert chaos.active_experiment(store, "staging") is None  # another may start
    [pending] = chaos.pending_rollbacks(store)
    assert pending["id"] == exp and pending["status"] == "interrupted"
