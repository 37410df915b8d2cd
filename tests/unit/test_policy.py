"""Rollback policies: a breach must last `for` before the policy fires, once per breach."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from actions.telemetry.policy import PolicyState, RollbackPolicy

POLICY = RollbackPolicy.model_validate(
    {
        "name": "latency",
        "metric": "p95_ms",
        "service": "storefront",
        "breach": "> 500",
        "for": "10s",
    }
)


def test_a_breach_fires_only_after_it_has_lasted_long_enough() -> None:
    state = PolicyState(POLICY)
    assert not state.update(0, 600).fire
    assert not state.update(9, 650).fire
    decision = state.update(10, 700)
    assert decision.fire and decision.breached_for_s == 10
    assert decision.reason == (
        "policy latency: p95_ms of storefront at 700 has been > 500 for 10s (limit 10s)"
    )


def test_it_fires_once_per_breach_and_again_after_a_recovery() -> None:
    state = PolicyState(POLICY)
    fired = [state.update(t, v).fire for t, v in [(0, 600), (10, 600), (20, 600)]]
    assert fired == [False, True, False]
    assert not state.update(21, 100).breached
    assert [state.update(t, 900).fire for t in (30, 40)] == [False, True]


def test_a_dip_below_the_threshold_restarts_the_clock() -> None:
    state = PolicyState(POLICY)
    state.update(0, 600)
    state.update(5, 400)
    assert not state.update(12, 600).fire
    assert state.update(22, 600).fire


def test_a_missing_reading_neither_starts_nor_ends_a_breach() -> None:
    state = PolicyState(POLICY)
    assert not state.update(0, None).breached
    state.update(1, 600)
    assert state.update(5, None).breached
    assert state.update(11, 600).fire


def test_environments_limit_where_a_policy_applies() -> None:
    scoped = POLICY.model_copy(update={"environments": ["staging"]})
    assert scoped.guards("staging") and not scoped.guards("local")
    assert POLICY.guards("anything")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("breach", "<= +10%", "absolute"),
        ("breach", "fast", "is not a criterion"),
        ("for", "soon", "is not a duration"),
        ("name", "has space", "pattern"),
    ],
)
def test_bad_policies_are_explained(field: str, value: str, message: str) -> None:
    data = {"name": "p", "metric": "m", "breach": "> 1", field: value}
    with pytest.raises(ValidationError, match=message):
        RollbackPolicy.model_validate(data)
