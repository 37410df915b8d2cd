"""The chaos guards: where an experiment may run, how long and how hard, when it aborts, and
what undoes it."""

from __future__ import annotations

from typing import Any

import pytest

from actions.chaos.experiment import AbortCondition, Experiment, parse_experiment
from actions.chaos.guards import (
    ChaosRefused,
    Reading,
    RollbackStep,
    abort_decision,
    blast_limit,
    check,
    evaluate,
    plan_rollbacks,
)
from actions.chaos.policy import ChaosPolicy
from actions.config import EnvironmentConfig
from actions.errors import PermissionDenied

LOCAL = EnvironmentConfig(kind="local", chaos_allowed=True)
KUBE = EnvironmentConfig(kind="kubernetes", namespace="shop-staging", chaos_allowed=True)
POLICY = ChaosPolicy(allowed_environments=["local", "staging"], max_blast_radius=1.0)


def experiment(*method: dict[str, Any], **fields: Any) -> Experiment:
    data: dict[str, Any] = {
        "name": "exp",
        "title": "an experiment",
        "steady_state": {
            "probes": [
                {"type": "slo", "metric": "p95_ms", "service": "storefront", "tolerance": "< 1"},
                {
                    "type": "slo",
                    "metric": "error_rate_pct",
                    "service": "storefront",
                    "tolerance": "< 5",
                },
            ]
        },
        "method": list(method) or [latency()],
        "blast_radius": {"instances": 1.0, "services": 3},
        **fields,
    }
    return parse_experiment(data)


def latency(service: str = "catalog", duration: str = "20s", **extra: Any) -> dict[str, Any]:
    return {"type": "latency", "service": service, "delay": "300ms", "duration": duration, **extra}


def fault(kind: str, service: str = "catalog", **extra: Any) -> dict[str, Any]:
    return {"type": kind, "service": service, "duration": "10s", **extra}


def codes(
    exp: Experiment,
    env: str = "local",
    cfg: EnvironmentConfig = LOCAL,
    policy: ChaosPolicy = POLICY,
    **kwargs: Any,
) -> list[str]:
    return [v.code for v in evaluate(exp, env, cfg, policy, **kwargs).violations]


@pytest.mark.parametrize(
    ("env", "cfg", "policy", "expected"),
    [
        ("local", LOCAL, POLICY, []),
        ("staging", KUBE, POLICY, []),
        ("local", LOCAL.model_copy(update={"protected": True}), POLICY, ["protected"]),
        ("local", LOCAL.model_copy(update={"chaos_allowed": False}), POLICY, ["chaos_not_allowed"]),
        ("prod", LOCAL, POLICY, ["not_allowlisted"]),
        ("local", LOCAL, ChaosPolicy(), ["not_allowlisted", "blast_radius"]),  # nothing allowed
        (
            "local",
            LOCAL.model_copy(update={"protected": True, "chaos_allowed": False}),
            ChaosPolicy(allowed_environments=["qa"], max_blast_radius=1.0),
            ["protected", "chaos_not_allowed", "not_allowlisted"],
        ),
    ],
)
def test_where_an_experiment_may_run(
    env: str, cfg: EnvironmentConfig, policy: ChaosPolicy, expected: list[str]
) -> None:
    assert codes(experiment(), env, cfg, policy) == expected


def test_a_protected_environment_is_refused_even_when_everything_else_allows_it() -> None:
    protected = KUBE.model_copy(update={"protected": True})
    policy = ChaosPolicy(allowed_environments=["production"], max_blast_radius=1.0)
    exp = experiment(environments=["production"])
    with pytest.raises(ChaosRefused, match="environment production is protected"):
        check(exp, "production", protected, policy)


def test_the_experiment_may_narrow_its_own_environments() -> None:
    exp = experiment(environments=["staging"])
    assert codes(exp, "local") == ["experiment_environments"]
    assert codes(exp, "staging", KUBE) == []


@pytest.mark.parametrize(
    ("method", "declared", "max_duration", "refused"),
    [
        ([latency(duration="5m"), {"type": "pause", "duration": "5m"}], None, "10m", False),
        ([latency(duration="5m"), {"type": "pause", "duration": "301s"}], None, "10m", True),
        ([latency(duration="1m")], "11m", "10m", True),  # the declared bound counts too
        ([latency(duration="1m")], "10m", "10m", False),
        ([latency(duration="30s"), latency(duration="31s")], None, "1m", True),
    ],
)
def test_the_whole_experiment_must_fit_in_the_policys_duration(
    method: list[dict[str, Any]], declared: str | None, max_duration: str, refused: bool
) -> None:
    fields = {"duration": declared} if declared else {}
    policy = POLICY.model_copy(update={"max_duration": max_duration})
    assert ("duration" in codes(experiment(*method, **fields), policy=policy)) is refused


@pytest.mark.parametrize(
    ("instances", "replicas", "experiment_limit", "policy_limit", "refused"),
    [
        (1, 4, 0.5, 0.5, False),  # 25%
        (2, 4, 0.5, 0.5, False),  # 50%: at the limit
        (3, 4, 0.5, 0.5, True),  # 75%
        ("50%", 4, 0.5, 0.5, False),
        ("50%", 3, 0.5, 0.5, False),  # rounds down: 1 of 3
        ("50%", 1, 0.5, 0.5, True),  # still one instance: all of it
        (1, None, 0.5, 0.5, True),  # unknown count: assumed a single instance
        (1, None, 1.0, 1.0, False),
        (2, 4, 1.0, 0.25, True),  # the policy is stricter
        (2, 4, 0.25, 1.0, True),  # the experiment is stricter
        ("all", 10, 1.0, 1.0, False),
    ],
)
def test_a_fault_touches_no_more_than_the_stricter_blast_radius(
    instances: int | str,
    replicas: int | None,
    experiment_limit: float,
    policy_limit: float,
    refused: bool,
) -> None:
    exp = experiment(
        fault("shutdown", instances=instances),
        blast_radius={"instances": experiment_limit, "services": 1},
    )
    policy = POLICY.model_copy(update={"max_blast_radius": policy_limit})
    counts = {"catalog": replicas} if replicas else None
    assert ("blast_radius" in codes(exp, policy=policy, replicas=counts)) is refused


def test_the_blast_radius_message_says_how_many_instances_and_why() -> None:
    exp = experiment(fault("shutdown", instances=1), blast_radius={"instances": 0.5})
    (violation,) = evaluate(exp, "local", LOCAL, POLICY).violations
    assert violation.message == (
        "method 0 (shutdown on catalog) touches 1 of 1 instance(s) of catalog (100%) "
        "(instance count unknown: assumed 1), more than the blast radius 50%"
    )


def test_asking_for_more_instances_than_run_is_refused() -> None:
    exp = experiment(fault("shutdown", instances=3))
    assert codes(exp, replicas={"catalog": 2}) == ["instances"]


def test_scaling_to_zero_needs_kubernetes() -> None:
    exp = experiment(fault("scale_to_zero"))
    assert codes(exp, "local") == ["kind"]
    assert codes(exp, "staging", KUBE, replicas={"catalog": 3}) == []


def test_the_policy_caps_the_services_one_experiment_touches() -> None:
    exp = experiment(latency("catalog"), latency("storefront"))
    assert codes(exp, policy=POLICY.model_copy(update={"max_services": 1})) == ["services"]


def test_an_environment_already_under_chaos_is_busy() -> None:
    assert codes(experiment(), active={"catalog-down"}) == ["busy"]


def test_names_are_checked_against_the_app_when_it_is_known() -> None:
    exp = experiment(latency("payments"))
    assert codes(exp, services={"catalog", "storefront"}) == ["unknown_service"]
    exp = experiment(
        steady_state={"probes": [{"type": "slo", "metric": "checkout_p99", "tolerance": "< 1"}]}
    )
    assert codes(exp, slis=[]) == ["unknown_metric"]
    assert codes(exp, slis=["checkout_p99"]) == []


@pytest.mark.parametrize(
    ("kind", "destructive"),
    [
        ("shutdown", True),
        ("scale_to_zero", True),
        ("blackhole", True),
        ("latency", False),
        ("errors", False),
        ("reset", False),
        ("bandwidth", False),
    ],
)
def test_destructive_experiments_need_the_policys_approval_role(
    kind: str, destructive: bool
) -> None:
    extra = {"latency": {"delay": "1s"}, "bandwidth": {"rate": "1mbps"}}.get(kind, {})
    exp = experiment(fault(kind, **extra))
    policy = POLICY.model_copy(update={"approval_role": "admin"})
    verdict = evaluate(exp, "staging", KUBE, policy)
    assert verdict.allowed
    assert verdict.needs_approval is destructive
    assert verdict.approval_role == ("admin" if destructive else None)


def test_check_raises_one_permission_error_with_every_reason() -> None:
    cfg = LOCAL.model_copy(update={"protected": True, "chaos_allowed": False})
    with pytest.raises(PermissionDenied) as caught:
        check(experiment(latency(duration="11m")), "prod", cfg, POLICY)
    assert isinstance(caught.value, ChaosRefused)
    assert [v.code for v in caught.value.violations] == [
        "protected",
        "chaos_not_allowed",
        "not_allowlisted",
        "duration",
    ]
    assert str(caught.value).startswith("chaos exp on prod refused: environment prod is protected")


def test_check_returns_the_verdict_when_allowed() -> None:
    verdict = check(experiment(fault("shutdown")), "local", LOCAL, POLICY)
    assert verdict.allowed and verdict.needs_approval
    assert verdict.approval_role == "release-manager"


def test_the_blast_limit_is_the_stricter_of_experiment_and_policy() -> None:
    exp = experiment(blast_radius={"instances": 0.3})
    assert blast_limit(exp, POLICY) == 0.3
    assert blast_limit(exp, POLICY.model_copy(update={"max_blast_radius": 0.2})) == 0.2


ERRORS_OVER_20 = AbortCondition.model_validate("error_rate_pct of storefront > 20 for 10s")


def readings(*values: tuple[float, float | None], service: str = "storefront") -> list[Reading]:
    return [Reading(at, "error_rate_pct", service, value) for at, value in values]


@pytest.mark.parametrize(
    ("series", "now", "abort"),
    [
        ([], None, False),
        ([(0, 25.0), (5, 25.0)], None, False),  # 5 s of breach
        ([(0, 25.0), (5, 25.0), (10, 25.0)], None, True),  # 10 s
        ([(0, 25.0), (5, 25.0)], 10.0, True),  # the time passed in counts
        ([(0, 25.0), (5, 10.0), (10, 25.0)], None, False),  # the breach restarted at 10
        ([(0, 25.0), (5, None), (10, 25.0)], None, True),  # a gap does not end a breach
        ([(0, 25.0), (5, 25.0), (10, None)], None, True),  # nor does it stop the clock
        ([(0, 20.0), (10, 20.0)], None, False),  # at the threshold is no breach
    ],
)
def test_a_guard_aborts_when_the_breach_lasts(
    series: list[tuple[float, float | None]], now: float | None, abort: bool
) -> None:
    decision = abort_decision([ERRORS_OVER_20], readings(*series), now)
    assert decision.abort is abort
    assert bool(decision.reasons) is abort


def test_the_abort_reason_names_the_metric_the_value_and_how_long() -> None:
    decision = abort_decision([ERRORS_OVER_20], readings((0, 30.0), (12, 42.0)))
    assert decision.reasons == (
        "guard error_rate_pct of storefront > 20 for 10s: error_rate_pct of storefront at 42 "
        "has been > 20 for 12s",
    )


def test_a_guard_without_a_service_judges_each_service_on_its_own() -> None:
    condition = AbortCondition.model_validate("error_rate_pct > 20 for 10s")
    mixed = readings((0, 25.0), (10, 25.0), service="a") + readings(
        (5, 25.0), (10, 25.0), service="b"
    )
    decision = abort_decision([condition], mixed)
    assert decision.abort and len(decision.reasons) == 1 and " of a " in decision.reasons[0]


def test_a_guard_ignores_other_services_and_metrics() -> None:
    other = readings((0, 99.0), (60, 99.0), service="catalog")
    other += [Reading(0, "p95_ms", "storefront", 1e6), Reading(60, "p95_ms", "storefront", 1e6)]
    assert not abort_decision([ERRORS_OVER_20], other).abort


def test_an_immediate_guard_aborts_on_the_first_breach() -> None:
    condition = AbortCondition.model_validate("p95_ms of storefront > 5000 for 0s")
    assert abort_decision([condition], [Reading(3, "p95_ms", "storefront", 6000.0)]).abort


OUTAGE = experiment(
    fault("shutdown", "catalog"),
    {"type": "pause", "duration": "5s"},
    latency("storefront"),
    fault("errors", "catalog"),
    rollbacks=[
        {"type": "restore", "service": "catalog"},
        {"type": "http", "service": "storefront", "path": "/admin/cache/flush"},
    ],
)


def steps(applied: list[int]) -> list[tuple[str, str, str, int]]:
    return [(s.kind, s.action, s.service, s.index) for s in plan_rollbacks(OUTAGE, applied)]


@pytest.mark.parametrize(
    ("applied", "expected"),
    [
        ([], [("rollback", "restore", "catalog", 0), ("rollback", "http", "storefront", 1)]),
        (
            [0, 1, 2, 3],
            [
                ("undo", "errors", "catalog", 3),
                ("undo", "latency", "storefront", 2),
                ("undo", "shutdown", "catalog", 0),
                ("rollback", "restore", "catalog", 0),
                ("rollback", "http", "storefront", 1),
            ],
        ),
        (
            [0, 1],  # aborted during the pause: only the shutdown is undone
            [
                ("undo", "shutdown", "catalog", 0),
                ("rollback", "restore", "catalog", 0),
                ("rollback", "http", "storefront", 1),
            ],
        ),
        (
            [0, 2, 0, 2],  # a re-sent start is undone once, in order of first application
            [
                ("undo", "latency", "storefront", 2),
                ("undo", "shutdown", "catalog", 0),
                ("rollback", "restore", "catalog", 0),
                ("rollback", "http", "storefront", 1),
            ],
        ),
    ],
)
def test_rollbacks_undo_every_applied_fault_latest_first_then_the_explicit_ones(
    applied: list[int], expected: list[tuple[str, str, str, int]]
) -> None:
    assert steps(applied) == expected


def test_each_rollback_step_says_what_it_does() -> None:
    described = [s.description for s in plan_rollbacks(OUTAGE, [0, 2, 3])]
    assert described == [
        "stop injecting errors into catalog",
        "remove the latency on storefront",
        "start the stopped instances of catalog again",
        "restore catalog as it was before the experiment",
        "POST storefront /admin/cache/flush",
    ]
    assert isinstance(plan_rollbacks(OUTAGE, [0])[0], RollbackStep)


def test_an_unknown_method_index_is_a_bug_not_a_silent_skip() -> None:
    with pytest.raises(ValueError, match="method 9 does not exist"):
        plan_rollbacks(OUTAGE, [9])
