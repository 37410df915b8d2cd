"""Rollback policies are suspended during a chaos step and judge afresh after a quiet window."""

from __future__ import annotations

from actions.telemetry.policy import RollbackPolicy
from actions.telemetry.watch import PolicyWatcher


def test_a_suspended_watcher_never_fires_and_resumes_from_scratch() -> None:
    now = [0.0]
    value = [900.0]
    fired = []
    policy = RollbackPolicy.model_validate(
        {
            "name": "p",
            "metric": "p95_ms",
            "service": "web",
            "breach": "> 250",
            "for": "2s",
            "window": "5s",
        }
    )
    watcher = PolicyWatcher(
        [policy], ["web"], lambda *a: value[0], fired.append, clock=lambda: now[0]
    )
    watcher.suspend()
    for t in range(10):
        now[0] = float(t)
        assert watcher.check() == []
    watcher.resume(quiet_s=5.0)
    for t in range(10, 15):  # still inside the quiet window: the chaos time is not judged
        now[0] = float(t)
        assert watcher.check() == []
    value[0] = 900.0
    breaches = []
    for t in range(15, 20):
        now[0] = float(t)
        breaches += watcher.check()
    assert len(breaches) == 1 and breaches[0].service == "web"
