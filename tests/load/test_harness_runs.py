"""The load step running traffic profiles through the generic harness against the real shop."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.config import LoadConfig
from actions.context import Event
from actions.result import Result, Status
from actions.testing import load
from actions.testing.load import LoadRequest
from actions.testing.traffic import DeriveOptions, derive_profile, profile_yaml
from tests.load import Shop, make_ctx, running_shop

pytestmark = pytest.mark.slow

USERS = 4
MIX = {"GET /api/products": 6, "GET /api/products/[id]": 3, "POST /api/orders": 1}
PROFILE = {
    "users": USERS,
    "think_time": {"constant": 0.02},
    "endpoints": [
        {"path": "/api/products", "weight": 6},
        {"path": "/api/products/{id}", "weight": 3, "vars": {"id": "{int:1:52}"}},
        {
            "method": "POST",
            "path": "/api/orders",
            "weight": 1,
            "json": {"product_id": "{int:1:52}", "quantity": "{choice:4,5}"},
            "expect": [201],
        },
    ],
}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    with running_shop(tmp_path_factory.mktemp("shop")) as running:
        yield running


def run_profile(
    shop: Shop, folder: Path, profile: dict[str, Any], **config: Any
) -> tuple[Result, list[Event]]:
    (folder / "profile.yaml").write_text(yaml.safe_dump(profile))
    events: list[Event] = []
    request = LoadRequest(
        config=LoadConfig(profile="profile.yaml", service="storefront", **config),
        host=shop.url,
        base_dir=folder,
    )
    return load.run(request, ctx=make_ctx(folder / "work", events)), events


@pytest.fixture(scope="module")
def profile_run(shop: Shop, tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Shop]:
    """One five-second run of a three-endpoint profile, shared by the tests that read it."""
    result, _ = run_profile(shop, tmp_path_factory.mktemp("profile"), PROFILE, duration="5s")
    return result, shop


def measured(result: Result, name: str, endpoint: str = "Aggregated") -> float:
    measurement = result.measurement(name, endpoint=endpoint)
    assert measurement is not None, [m.tags for m in result.measurements]
    return measurement.value


def requests(result: Result, endpoint: str) -> float:
    return measured(result, "requests", endpoint)


def test_each_endpoint_is_measured_under_its_path_template(
    profile_run: tuple[Result, Shop],
) -> None:
    result = profile_run[0]

    assert result.status is Status.PASS, result.summary
    endpoints = {e["endpoint"] for e in result.data["endpoints"]}
    assert endpoints == set(MIX)
    assert measured(result, "error_rate_pct") == 0


def test_the_endpoints_weights_set_the_mix_of_requests(profile_run: tuple[Result, Shop]) -> None:
    result = profile_run[0]
    total = requests(result, "Aggregated")

    assert total > 100
    for endpoint, weight in MIX.items():
        share = weight / 10  # each request draws its endpoint by weight: a binomial count
        spread = 4 * math.sqrt(share * (1 - share) / total)
        assert requests(result, endpoint) / total == pytest.approx(share, abs=spread)


def test_the_json_template_reaches_the_server(profile_run: tuple[Result, Shop]) -> None:
    result, shop = profile_run
    orders = shop.orders()

    # Locust drops the requests in flight when it stops: at most one per user.
    assert 0 <= len(orders) - requests(result, "POST /api/orders") <= USERS
    assert {quantity for _, quantity in orders} == {4, 5}
    assert all(1 <= product <= 52 for product, _ in orders)


def test_stages_change_the_number_of_users(shop: Shop, tmp_path: Path) -> None:
    staged = {
        **PROFILE,
        "think_time": 0.1,
        "stages": [{"duration": "2s", "users": 1}, {"duration": "2s", "users": 4}],
    }

    result, events = run_profile(shop, tmp_path, staged)

    assert result.status is Status.PASS, result.summary
    assert result.data["duration_s"] == 4 and result.data["users"] == 4
    history = Path(next(a.path for a in result.artifacts if a.name == "locust_stats_history.csv"))
    with history.open(newline="") as rows:
        users = [int(row["User Count"]) for row in csv.DictReader(rows)]
    assert 1 in users and max(users) == 4
    assert users.index(4) > users.index(1)
    assert events[0].message.startswith("load: 2 stages up to 4 users on ")


def test_a_profile_derived_from_an_access_log_runs_through_the_harness(
    shop: Shop, tmp_path: Path
) -> None:
    log = tmp_path / "access.log"
    log.write_text("".join(access_line(i) for i in range(600)))
    profile, stats = derive_profile(log, DeriveOptions(users=4, duration="3s", scale=2.0))
    (tmp_path / "derived.yaml").write_text(profile_yaml(profile, stats))
    request = LoadRequest(
        config=LoadConfig(profile="derived.yaml", service="storefront"),
        host=shop.url,
        base_dir=tmp_path,
    )

    result = load.run(request, ctx=make_ctx(tmp_path / "work", []))

    assert result.status is Status.PASS, result.summary
    assert {e["endpoint"] for e in result.data["endpoints"]} == {
        "GET /api/products",
        "GET /api/products/[id]",
    }
    assert measured(result, "failures") == 0
    # 10 req/s in the log, scaled by 2: the four users keep to about 20 req/s.
    assert stats.target_rps == pytest.approx(20, rel=0.05)
    assert 14 < measured(result, "rps") < 26


def access_line(i: int) -> str:
    """One of 600 requests over a minute (10 per second): a product list or a product page."""
    path = "/api/products" if i % 2 else f"/api/products/{i % 52 + 1}"
    when = f"05/Mar/2025:14:{i // 600:02d}:{i // 10 % 60:02d} +0100"
    return f'10.1.2.3 - - [{when}] "GET {path} HTTP/1.1" 200 {900 + i} "-" "curl/8"\n'


def test_an_invalid_profile_is_an_error_before_locust_starts(shop: Shop, tmp_path: Path) -> None:
    broken = {"endpoints": [{"path": "/api/products/{id}"}], "think_time": {"min": 2, "max": 1}}

    result, _ = run_profile(shop, tmp_path, broken)

    assert result.status is Status.ERROR
    assert result.summary.startswith("load profile is invalid: ")
    assert "2 problem(s)" in result.summary
    assert "{id} is not among its vars" in result.summary
    assert not (tmp_path / "work").exists()


def test_a_missing_profile_is_an_error(tmp_path: Path) -> None:
    request = LoadRequest(
        config=LoadConfig(profile="nowhere.yaml", service="storefront"),
        host="http://127.0.0.1:9",
        base_dir=tmp_path,
    )

    result = load.run(request, ctx=make_ctx(tmp_path / "work", []))

    assert result.status is Status.ERROR
    assert result.summary == f"load profile not found: {tmp_path / 'nowhere.yaml'}"
