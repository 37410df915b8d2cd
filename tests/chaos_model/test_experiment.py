"""Chaos experiments as data: what a valid file gives, and the message for each problem."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.chaos.experiment import (
    Bandwidth,
    Errors,
    Experiment,
    ExperimentError,
    HttpProbe,
    Latency,
    Pause,
    Shutdown,
    SloProbe,
    Tolerance,
    experiment_path,
    list_experiments,
    load_experiment,
    parse_experiment,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "shop" / "chaos"

MINIMAL = """
title: slow catalog
steady_state:
  probes:
    - {type: slo, metric: p95_ms, service: storefront, tolerance: "< 1000"}
method:
  - {type: latency, service: catalog, delay: 300ms, jitter: 50ms, duration: 20s}
"""


def minimal() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MINIMAL)
    return data


def problems(change: Callable[[dict[str, Any]], object]) -> str:
    data = minimal()
    change(data)
    with pytest.raises(ExperimentError) as caught:
        parse_experiment(data, source="x.yaml")
    return str(caught.value)


def method(data: dict[str, Any]) -> dict[str, Any]:
    step: dict[str, Any] = data["method"][0]
    return step


def probe(data: dict[str, Any]) -> dict[str, Any]:
    first: dict[str, Any] = data["steady_state"]["probes"][0]
    return first


def test_a_minimal_experiment_has_safe_defaults() -> None:
    experiment = parse_experiment(minimal())
    fault = experiment.method[0]
    assert isinstance(fault, Latency)
    assert (fault.delay, fault.jitter, fault.duration) == (0.3, 0.05, 20.0)
    assert fault.instances.count == 1
    assert experiment.blast_radius.instances == 0.5
    assert experiment.blast_radius.services == 1
    assert experiment.rollbacks == [] and experiment.guard == [] and experiment.environments == []
    assert experiment.total_duration_s == 20.0
    assert not experiment.destructive


def test_the_method_lasts_the_sum_of_its_steps_and_duration_is_an_upper_bound() -> None:
    data = minimal()
    data["method"].append({"type": "pause", "duration": "10s"})
    data["duration"] = "2m"
    experiment = parse_experiment(data)
    assert experiment.method_duration_s == 30.0
    assert experiment.total_duration_s == 120.0


@pytest.mark.parametrize("fault", ["shutdown", "scale_to_zero", "blackhole"])
def test_stopping_instances_or_dropping_traffic_is_destructive(fault: str) -> None:
    data = minimal()
    data["method"].append({"type": fault, "service": "catalog", "duration": "5s"})
    assert parse_experiment(data).destructive


@pytest.mark.parametrize(
    "fault",
    [
        {"type": "errors", "status": 503, "rate": "10%"},
        {"type": "reset", "rate": 0.5},
        {"type": "bandwidth", "rate": "256kbps"},
        {"type": "latency", "delay": "1s"},
    ],
)
def test_degrading_faults_are_not_destructive(fault: dict[str, Any]) -> None:
    data = minimal()
    data["method"] = [{**fault, "service": "catalog", "duration": "5s"}]
    assert not parse_experiment(data).destructive


def test_shares_and_bandwidths_are_read_as_people_write_them() -> None:
    data = minimal()
    data["method"] = [
        {"type": "errors", "service": "catalog", "rate": "25%", "duration": "1s"},
        {"type": "bandwidth", "service": "catalog", "rate": "2mbps", "duration": "1s"},
        {"type": "shutdown", "service": "catalog", "instances": "50%", "duration": "1s"},
        {"type": "shutdown", "service": "catalog", "instances": "all", "duration": "1s"},
    ]
    errors, bandwidth, half, every = parse_experiment(data).method
    assert isinstance(errors, Errors) and (errors.rate, errors.status) == (0.25, 503)
    assert isinstance(bandwidth, Bandwidth) and bandwidth.rate == 2000.0
    assert isinstance(half, Shutdown) and half.instances.share == 0.5
    assert isinstance(every, Shutdown) and every.instances.share == 1.0


def test_an_abort_condition_is_read_from_its_sentence() -> None:
    data = minimal()
    data["guard"] = ["p95_ms of storefront > 2500 for 10s", "p95_ms >= 5s for 0s"]
    first, second = parse_experiment(data).guard
    assert (first.metric, first.service, first.breach, first.for_) == (
        "p95_ms",
        "storefront",
        "> 2500",
        10.0,
    )
    assert (second.service, second.breach, second.for_) == (None, ">= 5s", 0.0)


def test_an_abort_condition_may_be_written_as_a_mapping() -> None:
    data = minimal()
    data["guard"] = [{"metric": "p95_ms", "breach": "> 900", "for": "5s"}]
    assert parse_experiment(data).guard[0].for_ == 5.0


def test_probes_and_rollbacks_are_told_apart_by_type() -> None:
    data = minimal()
    data["steady_state"]["probes"].append(
        {"type": "http", "method": "get", "service": "storefront", "path": "/api/products"}
    )
    data["rollbacks"] = [
        {"type": "restore", "service": "catalog"},
        {"type": "http", "service": "catalog", "path": "/admin/cache/flush"},
    ]
    experiment = parse_experiment(data)
    slo, http = experiment.steady_state.probes
    assert isinstance(slo, SloProbe) and isinstance(http, HttpProbe)
    assert (http.method, http.statuses, http.timeout) == ("GET", (200,), 3.0)
    assert [r.type for r in experiment.rollbacks] == ["restore", "http"]


@pytest.mark.parametrize(
    ("tolerance", "value", "before", "holds"),
    [
        ("< 300", 299.0, None, True),
        ("< 300", 300.0, None, False),
        ("< 5%", 4.9, None, True),  # a percentage figure, absolute
        ("<= +10%", 110.0, 100.0, True),  # relative to the value before the method
        ("<= +10%", 111.0, 100.0, False),
        ("<= +10%", 111.0, None, None),  # no value before: cannot judge
        ([100, 200], 100.0, None, True),
        ([100, 200], 200.5, None, False),
    ],
)
def test_a_tolerance_is_a_criterion_or_a_range(
    tolerance: object, value: float, before: float | None, holds: bool | None
) -> None:
    assert Tolerance.model_validate(tolerance).holds(value, before) is holds


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("title"), "x.yaml: title: Field required"),
        (lambda d: d.update(colour="red"), "x.yaml: colour: unknown key"),
        (
            lambda d: method(d).update(type="melt"),
            "method.0: unknown type 'melt'; types are 'latency', 'errors', 'reset'",
        ),
        (lambda d: method(d).pop("type"), "method.0: missing 'type'"),
        (lambda d: method(d).pop("duration"), "method.0.latency.duration: Field required"),
        (
            lambda d: method(d).update(delay="fast"),
            "method.0.latency.delay: 'fast' is not a duration (use e.g. 500ms, 30s, 2m, 1h)",
        ),
        (
            lambda d: method(d).update(duration="0s"),
            "method.0.latency.duration: '0s' must be longer than zero",
        ),
        (
            lambda d: method(d).update(jitter="1s"),
            "method.0.latency: jitter 1s is more than the delay 0.3s",
        ),
        (
            lambda d: method(d).update(instances=0),
            "method.0.latency.instances: 0 is not a number of instances",
        ),
        (
            lambda d: d["method"].append(
                {"type": "errors", "service": "catalog", "rate": "150%", "duration": "1s"}
            ),
            "method.1.errors.rate: '150%' is not a share (use e.g. 50% or 0.5)",
        ),
        (
            lambda d: d["method"].append(
                {"type": "errors", "service": "catalog", "status": 404, "duration": "1s"}
            ),
            "method.1.errors.status: Input should be greater than or equal to 500",
        ),
        (
            lambda d: d["method"].append(
                {"type": "bandwidth", "service": "catalog", "rate": "fast", "duration": "1s"}
            ),
            "method.1.bandwidth.rate: 'fast' is not a bandwidth (use e.g. 256kbps or 1mbps)",
        ),
        (
            lambda d: d["method"].append(
                {"type": "scale_to_zero", "service": "catalog", "instances": 1, "duration": "1s"}
            ),
            "scale_to_zero touches every instance: leave instances out",
        ),
        (
            lambda d: d.update(method=[{"type": "pause", "duration": "5s"}]),
            "(top level): the method has no fault: add one",
        ),
        (lambda d: d.update(method=[]), "method: List should have at least 1 item"),
        (
            lambda d: d.update(duration="10s"),
            "(top level): the method lasts 20s, more than duration 10s",
        ),
        (
            lambda d: d["method"].append(
                {"type": "latency", "service": "storefront", "delay": "1s", "duration": "1s"}
            ),
            "the method touches 2 services (catalog, storefront), more than "
            "blast_radius.services 1",
        ),
        (
            lambda d: d.update(blast_radius={"instances": 2}),
            "blast_radius.instances: 2 is not a share",
        ),
        (
            lambda d: probe(d).update(tolerance="fast"),
            "steady_state.probes.0.slo.tolerance: 'fast' is not a criterion",
        ),
        (lambda d: probe(d).update(tolerance=[5, 1]), "range [5, 1]: low is above high"),
        (lambda d: probe(d).update(tolerance=[1]), "[1] is not a range (use [low, high]"),
        (lambda d: probe(d).update(tolerance=300), "300 is not a tolerance (use a criterion"),
        (
            lambda d: probe(d).pop("service"),
            "metric 'p95_ms' is a figure of one service: name the service",
        ),
        (
            lambda d: d["steady_state"]["probes"].append(
                {"type": "http", "service": "storefront", "path": "api"}
            ),
            "steady_state.probes.1.http.path: 'api' is not a path (it starts with /",
        ),
        (
            lambda d: d["steady_state"]["probes"].append(
                {"type": "http", "service": "storefront", "path": "/", "status": 999}
            ),
            "steady_state.probes.1.http.status: 999 is not an HTTP status",
        ),
        (lambda d: d.update(steady_state={"probes": []}), "steady_state.probes: List should"),
        (
            lambda d: d.update(guard=["p95_ms >> 20"]),
            "guard.0: 'p95_ms >> 20' is not an abort condition (use e.g.",
        ),
        (
            lambda d: d.update(guard=["p95_ms > +20% for 5s"]),
            "guard.0.breach: an abort threshold is absolute (e.g. '> 20'), not relative",
        ),
        (
            lambda d: d.update(guard=["error_rate_pct > 20 for 10s"]),
            "guard 0 (error_rate_pct > 20 for 10s) watches no steady-state metric",
        ),
        (
            lambda d: d.update(guard=["p95_ms of catalog > 20 for 10s"]),
            "guard 0 (p95_ms of catalog > 20 for 10s) watches no steady-state metric",
        ),
        (
            lambda d: d.update(rollbacks=[{"type": "restore"}]),
            "rollbacks.0.restore.service: Field required",
        ),
        (lambda d: d.update(name="../etc"), "name: String should match pattern"),
    ],
)
def test_each_problem_has_its_own_message(
    change: Callable[[dict[str, Any]], object], message: str
) -> None:
    assert message in problems(change)


def test_every_problem_is_listed_at_once() -> None:
    def two_problems(data: dict[str, Any]) -> None:
        data.pop("title")
        method(data)["delay"] = "fast"

    text = problems(two_problems)
    assert text.startswith("x.yaml: 2 problem(s)")
    assert len(text.splitlines()) == 3


def test_a_file_that_is_not_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("title: x\nmethod: [unclosed\n")
    with pytest.raises(ExperimentError, match=r"broken.yaml: line \d+, column \d+: not valid YAML"):
        load_experiment(path)


def test_a_file_that_is_not_a_mapping_says_what_is_expected(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- latency\n")
    with pytest.raises(ExperimentError, match="expected a mapping with title, steady_state"):
        load_experiment(path)


def test_a_missing_file_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(ExperimentError, match="cannot read the file"):
        load_experiment(tmp_path / "nowhere.yaml")


def test_an_experiment_is_named_after_its_file(tmp_path: Path) -> None:
    (tmp_path / "slow-catalog.yaml").write_text(MINIMAL)
    assert load_experiment(tmp_path / "slow-catalog.yaml").name == "slow-catalog"


def test_listing_a_folder_keeps_broken_files_with_their_problem(tmp_path: Path) -> None:
    (tmp_path / "b-slow.yaml").write_text(MINIMAL)
    (tmp_path / "a-broken.yml").write_text("title: nothing else\n")
    (tmp_path / "notes.txt").write_text("not an experiment")
    listed = list_experiments(tmp_path)
    assert [item.name for item in listed] == ["a-broken", "b-slow"]
    assert listed[0].experiment is None and "steady_state: Field required" in str(listed[0].error)
    assert isinstance(listed[1].experiment, Experiment) and listed[1].error is None


def test_listing_a_missing_folder_finds_nothing(tmp_path: Path) -> None:
    assert list_experiments(tmp_path / "chaos") == []


def test_an_experiment_is_found_by_name_and_cannot_leave_its_folder(tmp_path: Path) -> None:
    (tmp_path / "slow.yaml").write_text(MINIMAL)
    assert experiment_path(tmp_path, "slow") == tmp_path / "slow.yaml"
    with pytest.raises(ExperimentError, match=r"no experiment 'fast' in .* \(experiments: slow\)"):
        experiment_path(tmp_path, "fast")
    for name in ("../slow", ".hidden", "a/b"):
        with pytest.raises(ExperimentError, match="is not an experiment name"):
            experiment_path(tmp_path, name)


def test_the_shop_latency_example_loads_as_specified() -> None:
    experiment = load_experiment(EXAMPLES / "catalog-latency.yaml")
    assert experiment.name == "catalog-latency" and not experiment.destructive
    fault = experiment.method[0]
    assert isinstance(fault, Latency)
    assert (fault.service, fault.delay, fault.jitter, fault.duration) == ("catalog", 0.3, 0.05, 10)
    slo = [p for p in experiment.steady_state.probes if isinstance(p, SloProbe)]
    assert {(p.metric, p.service, str(p.tolerance)) for p in slo} == {
        ("p95_ms", "storefront", "< 1000"),
        ("error_rate_pct", "storefront", "< 5%"),
    }
    (http,) = [p for p in experiment.steady_state.probes if isinstance(p, HttpProbe)]
    assert (http.method, http.service, http.path, http.statuses) == (
        "GET",
        "storefront",
        "/api/products",
        (200,),
    )


def test_the_shop_outage_example_is_destructive_and_restores_the_catalog() -> None:
    experiment = load_experiment(EXAMPLES / "catalog-down.yaml")
    assert experiment.destructive
    assert [(a.type, getattr(a, "service", None)) for a in experiment.method] == [
        ("shutdown", "catalog"),
        ("pause", None),
    ]
    assert isinstance(experiment.method[1], Pause)
    assert [(r.type, r.service) for r in experiment.rollbacks] == [("restore", "catalog")]


def test_the_shop_examples_are_the_whole_chaos_folder() -> None:
    listed = list_experiments(EXAMPLES)
    assert [item.name for item in listed] == ["catalog-down", "catalog-latency"]
    assert all(item.error is None for item in listed)


def test_validation_never_changes_the_data_it_was_given() -> None:
    data = minimal()
    before = copy.deepcopy(data)
    parse_experiment(data, name="named")
    assert data == before
