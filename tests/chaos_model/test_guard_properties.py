"""Properties of the chaos guards over generated experiments, environments and policies.

Whatever is generated, the guard never lets an experiment run on a protected or unlisted
environment, longer than the policy allows or wider than the stricter blast radius; destructive
experiments always wait for an approval; and the rollback plan undoes every applied fault once.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.chaos.experiment import Experiment, ExperimentError, Pause, parse_experiment
from actions.chaos.guards import ChaosRefused, check, evaluate, plan_rollbacks
from actions.chaos.policy import ChaosPolicy
from actions.config import EnvironmentConfig

ENVIRONMENTS = ["local", "staging", "qa", "production"]
SERVICES = ["catalog", "storefront", "payments"]
FAULTS = ["latency", "errors", "reset", "blackhole", "bandwidth", "shutdown", "scale_to_zero"]

instances = st.one_of(
    st.integers(1, 6),
    st.sampled_from(["10%", "25%", "50%", "75%", "all", 0.5, 0.3]),
)


@st.composite
def faults(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(FAULTS))
    fault: dict[str, Any] = {
        "type": kind,
        "service": draw(st.sampled_from(SERVICES)),
        "duration": f"{draw(st.integers(1, 400))}s",
    }
    if kind != "scale_to_zero" and draw(st.booleans()):
        fault["instances"] = draw(instances)
    fault.update(
        {
            "latency": {"delay": "200ms", "jitter": "50ms"},
            "errors": {"status": 503, "rate": "50%"},
            "reset": {"rate": 0.2},
            "bandwidth": {"rate": "256kbps"},
        }.get(kind, {})
    )
    return fault


@st.composite
def experiments(draw: st.DrawFn) -> Experiment:
    steps = draw(st.lists(st.one_of(faults(), st.just(None)), min_size=1, max_size=6))
    method = [s or {"type": "pause", "duration": f"{draw(st.integers(1, 120))}s"} for s in steps]
    if all(step["type"] == "pause" for step in method):
        method.append(draw(faults()))
    touched = {step["service"] for step in method if step["type"] != "pause"}
    total = sum(int(step["duration"].removesuffix("s")) for step in method)
    data: dict[str, Any] = {
        "name": "generated",
        "title": "generated",
        "steady_state": {
            "probes": [
                {"type": "slo", "metric": "p95_ms", "service": "storefront", "tolerance": "< 1"}
            ]
        },
        "method": method,
        "blast_radius": {
            "instances": draw(st.sampled_from([0.1, 0.25, 0.5, 0.75, 1.0])),
            "services": len(touched) + draw(st.integers(0, 2)),
        },
        "environments": draw(st.lists(st.sampled_from(ENVIRONMENTS), unique=True, max_size=3)),
        "rollbacks": draw(
            st.lists(
                st.sampled_from(
                    [
                        {"type": "restore", "service": "catalog"},
                        {"type": "http", "service": "storefront", "path": "/admin/flush"},
                    ]
                ),
                max_size=3,
            )
        ),
    }
    if draw(st.booleans()):
        data["duration"] = f"{total + draw(st.integers(0, 600))}s"
    return parse_experiment(data)


@st.composite
def environments(draw: st.DrawFn) -> EnvironmentConfig:
    kind = draw(st.sampled_from(["local", "kubernetes"]))
    return EnvironmentConfig(
        kind=kind,
        namespace="ns" if kind == "kubernetes" else None,
        protected=draw(st.booleans()),
        chaos_allowed=draw(st.booleans()),
    )


@st.composite
def policies(draw: st.DrawFn) -> ChaosPolicy:
    return ChaosPolicy(
        allowed_environments=draw(st.lists(st.sampled_from(ENVIRONMENTS), unique=True)),
        max_duration=f"{draw(st.integers(30, 1800))}s",
        max_blast_radius=draw(st.sampled_from([0.1, 0.25, 0.5, 0.75, 1.0])),
        max_services=draw(st.integers(1, 3)),
        approval_role=draw(st.sampled_from(["engineer", "release-manager", "admin"])),
    )


replica_counts = st.one_of(
    st.none(), st.dictionaries(st.sampled_from(SERVICES), st.integers(1, 10), max_size=3)
)


def touched_share(fault: Any, replicas: dict[str, int] | None) -> tuple[float, bool]:
    """The share of its service a fault really touches, as a runner picks instances."""
    running = (replicas or {}).get(fault.service) or 1  # unknown: a single instance, the worst
    wanted = fault.instances
    hit = wanted.count if wanted.count is not None else max(1, math.floor(wanted.share * running))
    return min(hit, running) / running, hit > running


@given(experiments(), st.sampled_from(ENVIRONMENTS), environments(), policies(), replica_counts)
def test_the_guard_allows_exactly_what_every_rule_allows(
    experiment: Experiment,
    env: str,
    cfg: EnvironmentConfig,
    policy: ChaosPolicy,
    replicas: dict[str, int] | None,
) -> None:
    limit = min(experiment.blast_radius.instances, policy.max_blast_radius)
    shares = [touched_share(fault, replicas) for _, fault in experiment.faults]
    rules = [
        not cfg.protected,
        cfg.chaos_allowed,
        env in policy.allowed_environments,
        not experiment.environments or env in experiment.environments,
        experiment.method_duration_s <= policy.max_duration_s,
        (experiment.duration or 0) <= policy.max_duration_s,
        len(experiment.services) <= policy.max_services,
        all(share <= limit + 1e-9 and not too_many for share, too_many in shares),
        cfg.kind == "kubernetes" or all(f.type != "scale_to_zero" for _, f in experiment.faults),
    ]
    assert evaluate(experiment, env, cfg, policy, replicas=replicas).allowed is all(rules)


@given(experiments(), st.sampled_from(ENVIRONMENTS), environments(), policies(), replica_counts)
def test_a_protected_or_unlisted_environment_is_never_allowed(
    experiment: Experiment,
    env: str,
    cfg: EnvironmentConfig,
    policy: ChaosPolicy,
    replicas: dict[str, int] | None,
) -> None:
    # the most permissive world around it: listed everywhere, every limit at its widest
    wide = policy.model_copy(update={"max_duration": "10h", "max_blast_radius": 1.0})
    everywhere = wide.model_copy(update={"allowed_environments": ENVIRONMENTS})
    protected = cfg.model_copy(update={"protected": True, "chaos_allowed": True})
    assert not evaluate(experiment, env, protected, everywhere, replicas=replicas).allowed
    unlisted = wide.model_copy(
        update={"allowed_environments": [e for e in ENVIRONMENTS if e != env]}
    )
    allowed_here = cfg.model_copy(update={"chaos_allowed": True})
    assert not evaluate(experiment, env, allowed_here, unlisted, replicas=replicas).allowed


@given(experiments(), st.sampled_from(ENVIRONMENTS), environments(), policies(), replica_counts)
def test_nothing_longer_or_wider_than_the_limits_is_allowed(
    experiment: Experiment,
    env: str,
    cfg: EnvironmentConfig,
    policy: ChaosPolicy,
    replicas: dict[str, int] | None,
) -> None:
    verdict = evaluate(experiment, env, cfg, policy, replicas=replicas)
    if verdict.allowed:
        assert experiment.total_duration_s <= policy.max_duration_s
        limit = min(experiment.blast_radius.instances, policy.max_blast_radius)
        for _, fault in experiment.faults:
            assert touched_share(fault, replicas)[0] <= limit + 1e-9


@given(experiments(), st.sampled_from(ENVIRONMENTS), environments(), policies(), replica_counts)
def test_destructive_experiments_always_need_an_approval(
    experiment: Experiment,
    env: str,
    cfg: EnvironmentConfig,
    policy: ChaosPolicy,
    replicas: dict[str, int] | None,
) -> None:
    verdict = evaluate(experiment, env, cfg, policy, replicas=replicas)
    destructive = any(
        f.type in ("shutdown", "scale_to_zero", "blackhole") for _, f in experiment.faults
    )
    assert verdict.needs_approval is destructive
    assert verdict.approval_role == (policy.approval_role if destructive else None)


@given(experiments(), st.sampled_from(ENVIRONMENTS), environments(), policies())
def test_check_refuses_exactly_when_evaluate_finds_a_violation_and_gives_every_reason(
    experiment: Experiment, env: str, cfg: EnvironmentConfig, policy: ChaosPolicy
) -> None:
    verdict = evaluate(experiment, env, cfg, policy)
    if verdict.allowed:
        assert check(experiment, env, cfg, policy) == verdict
        return
    with pytest.raises(ChaosRefused) as caught:
        check(experiment, env, cfg, policy)
    assert caught.value.violations == verdict.violations
    assert all(v.message in str(caught.value) for v in verdict.violations)


@st.composite
def runs(draw: st.DrawFn) -> tuple[Experiment, list[int]]:
    experiment = draw(experiments())
    indices = st.integers(0, len(experiment.method) - 1)
    return experiment, draw(st.lists(indices, max_size=12))


@given(runs())
def test_the_rollback_plan_undoes_every_applied_fault_exactly_once(
    run: tuple[Experiment, list[int]],
) -> None:
    experiment, applied = run
    plan = plan_rollbacks(experiment, applied)
    undone = [step.index for step in plan if step.kind == "undo"]
    faults_applied = [i for i in applied if not isinstance(experiment.method[i], Pause)]
    assert sorted(undone) == sorted(set(faults_applied))
    first_applied = list(dict.fromkeys(faults_applied))
    assert undone == first_applied[::-1]  # the latest fault is undone first


@given(runs())
def test_the_explicit_rollbacks_always_run_after_the_undos(
    run: tuple[Experiment, list[int]],
) -> None:
    experiment, applied = run
    plan = plan_rollbacks(experiment, applied)
    explicit = [step for step in plan if step.kind == "rollback"]
    assert [s.index for s in explicit] == list(range(len(experiment.rollbacks)))
    assert plan[len(plan) - len(explicit) :] == explicit


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "title": json_like,
            "steady_state": json_like,
            "method": st.lists(st.dictionaries(st.sampled_from(["type", "service"]), json_like)),
            "duration": json_like,
            "guard": json_like,
            "blast_radius": json_like,
        },
    )
)
def test_any_data_is_an_experiment_or_a_list_of_problems(data: dict[str, Any]) -> None:
    try:
        parse_experiment(data, source="x.yaml")
    except ExperimentError as exc:
        assert str(exc).startswith("x.yaml: ")
