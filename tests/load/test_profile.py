"""Traffic profiles: validation with one clear message per problem, stages, requests drawn."""

from __future__ import annotations

import itertools
from pathlib import Path
from random import Random
from typing import Any

import pytest
import yaml

from actions.testing.profile import (
    ProfileError,
    ThinkTime,
    TrafficProfile,
    dump_profile,
    load_profile,
    parse_profile,
    render_request,
)
from tests.load import ROOT

SHOP_PROFILE = ROOT / "examples" / "shop" / "load" / "profile.yaml"


def endpoint(**fields: Any) -> dict[str, Any]:
    return {"path": "/api/products", **fields}


def problems(data: dict[str, Any]) -> list[str]:
    """Each problem line of the error, without the source prefix."""
    with pytest.raises(ProfileError) as error:
        parse_profile(data, "p.yaml")
    return [line.removeprefix("p.yaml: ") for line in str(error.value).splitlines()[1:]]


def test_the_shop_profile_names_its_endpoints_as_the_shops_locustfile_does() -> None:
    profile = load_profile(SHOP_PROFILE)

    assert [(e.method, e.stats_name, e.weight) for e in profile.endpoints] == [
        ("GET", "/api/products", 3),
        ("GET", "/api/products/[id]", 3),
        ("POST", "/api/orders", 1),
    ]
    assert profile.think_time == ThinkTime(min=0.05, max=0.2)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"endpoints": []}, "endpoints: List should have at least 1 item"),
        ({"users": 0, "endpoints": [endpoint()]}, "users: Input should be greater than or equal"),
        ({"duration": "soon", "endpoints": [endpoint()]}, "duration: 'soon' is not a duration"),
        ({"duration": "0s", "endpoints": [endpoint()]}, "duration: '0s' is not a positive"),
        ({"endpoints": [endpoint(path="api")]}, "endpoints.0.path: 'api' must start with '/'"),
        (
            {"endpoints": [endpoint(path="/a?b=1")]},
            "endpoints.0.path: '/a?b=1' has a query string: put its parameters under params",
        ),
        ({"endpoints": [endpoint(method="BREW")]}, "endpoints.0.method: Input should be 'GET'"),
        ({"endpoints": [endpoint(weight=-1)]}, "endpoints.0.weight: Input should be greater"),
        ({"endpoints": [endpoint(weight=0)]}, "(top level): every endpoint has weight 0"),
        ({"endpoints": [endpoint(expect=[99])]}, "endpoints.0.expect: expect lists HTTP status"),
        ({"endpoints": [endpoint(expect=[])]}, "endpoints.0.expect: expect lists HTTP status"),
        (
            {"endpoints": [endpoint(path="/p/{id}")]},
            "endpoints.0: GET /p/{id}: {id} is not among its vars",
        ),
        (
            {"endpoints": [endpoint(json={"q": "{int:9:1}"})]},
            "endpoints.0.json: {int:9:1} in '{int:9:1}': the lower bound 9 is above the upper 1",
        ),
        (
            {"endpoints": [endpoint(headers={"X-Trace": "{nope:1}"})]},
            "endpoints.0.headers: {nope:1} in '{nope:1}': 'nope' is not a generator",
        ),
        (
            {"endpoints": [endpoint(vars={"seq": "{int:1:2}"})]},
            "endpoints.0.vars: 'seq' cannot name a var",
        ),
        (
            {"endpoints": [endpoint(vars={"a": "{int:1:2}", "b": "{a}"})]},
            "endpoints.0.vars: var 'b': a var draws from generators, not from other vars",
        ),
        ({"think_time": {"min": 1}, "endpoints": [endpoint()]}, "think_time: min and max go"),
        (
            {"think_time": {"min": 2, "max": 1}, "endpoints": [endpoint()]},
            "think_time: min 2 is above max 1",
        ),
        (
            {"think_time": {"constant": 1, "throughput": 2}, "endpoints": [endpoint()]},
            "think_time: give exactly one of",
        ),
        (
            {"stages": [{"duration": "2s", "users": -1}], "endpoints": [endpoint()]},
            "stages.0.users: Input should be greater than or equal to 0",
        ),
        (
            {"endpoints": [endpoint(), endpoint()]},
            "(top level): two endpoints are named GET /api/products in the statistics",
        ),
        ({"endpoints": [endpoint(colour="red")]}, "endpoints.0.colour: unknown key"),
    ],
)
def test_each_problem_is_named_with_its_key(data: dict[str, Any], problem: str) -> None:
    found = problems(data)

    assert any(line.startswith(problem) for line in found), found


def test_every_problem_is_listed_at_once() -> None:
    data = {
        "users": 0,
        "think_time": {"min": 3, "max": 1},
        "endpoints": [endpoint(path="x"), endpoint(method="BREW")],
    }

    with pytest.raises(ProfileError) as error:
        parse_profile(data, "p.yaml")

    assert str(error.value).startswith("p.yaml: 4 problem(s)\n")


def test_a_profile_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(ProfileError, match="expected a mapping with endpoints"):
        parse_profile(["GET /"], "p.yaml")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read the profile"):
        load_profile(tmp_path / "none.yaml")


def test_broken_yaml_is_located(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("endpoints:\n  - path: /a\n   weight: [\n")

    with pytest.raises(ProfileError, match=r"p\.yaml: line \d+, column \d+: not valid YAML"):
        load_profile(path)


@pytest.mark.parametrize(
    ("think_time", "expected"),
    [
        (0.5, ThinkTime(constant=0.5)),
        ({"constant": 0}, ThinkTime(constant=0)),
        ({"min": 1, "max": 2}, ThinkTime(min=1, max=2)),
        ({"throughput": 4}, ThinkTime(throughput=4)),
    ],
)
def test_think_time_takes_each_form(think_time: Any, expected: ThinkTime) -> None:
    profile = parse_profile({"think_time": think_time, "endpoints": [endpoint()]})

    assert profile.think_time == expected


def test_duration_is_the_profiles_else_its_stages_else_a_minute() -> None:
    stages = [{"duration": "2s", "users": 1}, {"duration": "500ms", "users": 3}]

    assert parse_profile({"duration": "2m", "endpoints": [endpoint()]}).duration_s == 120
    assert parse_profile({"stages": stages, "endpoints": [endpoint()]}).duration_s == 2.5
    assert parse_profile({"endpoints": [endpoint()]}).duration_s == 60


def test_users_start_within_a_second_unless_a_spawn_rate_is_set() -> None:
    assert parse_profile({"users": 7, "endpoints": [endpoint()]}).rate == 7
    assert parse_profile({"users": 7, "spawn_rate": 2, "endpoints": [endpoint()]}).rate == 2


@pytest.mark.parametrize(
    ("elapsed_s", "expected"),
    [(0.0, (1, 5.0)), (1.99, (1, 5.0)), (2.0, (5, 2.0)), (3.9, (5, 2.0)), (4.0, (0, 5.0))],
)
def test_stage_at_gives_the_users_and_spawn_rate_of_the_current_stage(
    elapsed_s: float, expected: tuple[int, float]
) -> None:
    stages = [
        {"duration": "2s", "users": 1},
        {"duration": "2s", "users": 5, "spawn_rate": 2},
        {"duration": "1s", "users": 0},
    ]
    profile = parse_profile({"stages": stages, "endpoints": [endpoint()]})

    assert profile.stage_at(elapsed_s) == expected


def test_stage_at_ends_the_run_after_the_last_stage() -> None:
    profile = parse_profile({"stages": [{"duration": "1s", "users": 2}], "endpoints": [endpoint()]})

    assert profile.stage_at(1.0) is None


def test_a_request_is_drawn_from_the_endpoints_templates() -> None:
    profile = parse_profile(
        {
            "endpoints": [
                {
                    "method": "post",
                    "path": "/shops/{shop}/orders",
                    "vars": {"shop": "{int:3:3}"},
                    "params": {"dry_run": "{choice:true}"},
                    "json": {"shop_id": "{shop}", "quantity": "{int:2:2}", "ref": "r-{seq}"},
                    "headers": {"X-Shop": "{shop}"},
                }
            ]
        }
    )

    request = render_request(profile.endpoints[0], Random(1), itertools.count(1))

    assert (request.method, request.path, request.name) == (
        "POST",
        "/shops/3/orders",
        "/shops/[shop]/orders",
    )
    assert request.params == {"dry_run": "true"}
    assert request.body == {"shop_id": 3, "quantity": 2, "ref": "r-1"}
    assert request.headers == {"X-Shop": "3"}


def test_a_given_name_replaces_the_template_in_the_statistics() -> None:
    profile = parse_profile({"endpoints": [endpoint(name="catalogue")]})

    assert profile.endpoints[0].stats_name == "catalogue"


def test_a_dumped_profile_reads_back_the_same() -> None:
    profile = load_profile(SHOP_PROFILE)

    again = parse_profile(yaml.safe_load(dump_profile(profile)))

    assert again == profile
    assert isinstance(again, TrafficProfile)
