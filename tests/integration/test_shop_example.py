"""The bundled shop as the demo needs it: 1.0 is good; 1.1 is slow on one page, fails orders."""

from __future__ import annotations

import csv
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.config import Settings
from actions.environments.base import Release
from actions.environments.local import LocalEnvironment

REPO = Path(__file__).resolve().parents[2]
SHOP = REPO / "examples" / "shop"
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def shipped_settings(workdir: Path) -> Settings:
    """The shop's own `preprod.yaml`, with storage moved under `workdir`."""
    data = yaml.safe_load((SHOP / "preprod.yaml").read_text())
    data["storage"] = {"path": str(workdir / "preprod.db"), "artifacts": str(workdir / "art")}
    return Settings.model_validate({**data, "base_dir": SHOP})


def http(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with NO_PROXY.open(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if "json" in response.headers[
                "Content-Type"
            ] else raw
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"null")


def median_ms(url: str, count: int = 10) -> float:
    timings = []
    for _ in range(count):
        start = time.perf_counter()
        assert http("GET", url)[0] == 200
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def run_e2e(urls: dict[str, str], junit: Path) -> dict[str, str]:
    """Run the shop's e2e suite against `urls`; the outcome of each test by name."""
    env = {
        **os.environ,
        "PREPROD_URL_STOREFRONT": urls["storefront"],
        "PREPROD_URL_CATALOG": urls["catalog"],
    }
    command = [sys.executable, "-m", "pytest", "examples/shop/e2e", f"--junitxml={junit}", "-q"]
    subprocess.run(command, cwd=REPO, env=env, capture_output=True, timeout=120, check=False)
    outcomes = {}
    for case in ET.parse(junit).iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        outcomes[case.attrib["name"]] = kinds[0] if kinds else "passed"
    return outcomes


def deployed(version: str, workdir: Path) -> Iterator[LocalEnvironment]:
    env = LocalEnvironment("local", shipped_settings(workdir))
    try:
        outcome = env.deploy(Release(app="shop", version=version), lambda message: None)
        assert outcome.ok, outcome.details
        yield env
    finally:
        env.teardown()


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEnvironment]:
    yield from deployed("1.0", tmp_path_factory.mktemp("shop-1.0"))


@pytest.fixture(scope="module")
def candidate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEnvironment]:
    yield from deployed("1.1", tmp_path_factory.mktemp("shop-1.1"))


def test_e2e_suite_passes_on_1_0(good: LocalEnvironment, tmp_path: Path) -> None:
    outcomes = run_e2e(good.urls(), tmp_path / "junit.xml")

    assert len(outcomes) >= 8
    assert {name for name, outcome in outcomes.items() if outcome != "passed"} == set()


def test_e2e_suite_fails_only_the_order_of_several_items_on_1_1(
    candidate: LocalEnvironment, tmp_path: Path
) -> None:
    outcomes = run_e2e(candidate.urls(), tmp_path / "junit.xml")

    failed = {name: outcome for name, outcome in outcomes.items() if outcome != "passed"}
    assert failed == {"test_order_of_several_items_is_placed": "failure"}


def test_product_detail_is_much_slower_on_1_1(
    good: LocalEnvironment, candidate: LocalEnvironment
) -> None:
    before = median_ms(good.urls()["storefront"] + "/api/products/3")
    after = median_ms(candidate.urls()["storefront"] + "/api/products/3")

    assert before < 50
    assert after - before > 150


def test_product_list_is_as_fast_on_1_1(
    good: LocalEnvironment, candidate: LocalEnvironment
) -> None:
    before = median_ms(good.urls()["storefront"] + "/api/products")
    after = median_ms(candidate.urls()["storefront"] + "/api/products")

    assert after - before < 30


def test_failed_order_is_logged_as_a_structured_error(candidate: LocalEnvironment) -> None:
    url = candidate.urls()["storefront"] + "/api/orders"
    assert http("POST", url, {"product_id": 1, "quantity": 2})[0] == 500

    lines = [json.loads(line) for line in candidate.logs("storefront", tail=50)]

    error = [line for line in lines if line["level"] == "ERROR"][-1]
    assert (error["method"], error["path"], error["status"]) == ("POST", "/api/orders", 500)
    assert error["exception"] == "TypeError" and error["error"].startswith("TypeError: ")
    assert "order_total" in error["traceback"]


def test_every_log_line_is_json_with_the_standard_fields(good: LocalEnvironment) -> None:
    http("GET", good.urls()["storefront"] + "/api/products/2")

    for service in ("catalog", "storefront"):
        lines = [json.loads(line) for line in good.logs(service, tail=20)]
        assert lines
        for line in lines:
            assert {"ts", "level", "service", "version", "msg"} <= set(line)
            assert (line["service"], line["version"]) == (service, "1.0")
        request = [line for line in lines if line["msg"] == "request"][-1]
        assert {"method", "path", "status", "duration_ms"} <= set(request)


def test_services_serve_prometheus_request_metrics(good: LocalEnvironment) -> None:
    storefront = good.urls()["storefront"]
    http("GET", storefront + "/api/products/2")

    status, text = http("GET", storefront + "/metrics")

    assert status == 200
    body = text.decode()
    assert (
        'http_request_duration_seconds_bucket{le="0.3",method="GET",route="/api/products/{id}"'
        in body
    )
    assert 'http_requests_total{method="GET",route="/api/products/{id}",status="200"}' in body
    assert 'shop_build_info{service="storefront",version="1.0"} 1.0' in body


def test_locust_profile_runs_its_three_kinds_of_request(
    good: LocalEnvironment, tmp_path: Path
) -> None:
    prefix = tmp_path / "load"
    command = [
        sys.executable, "-m", "locust", "-f", str(SHOP / "load" / "locustfile.py"), "--headless",
        "-u", "4", "-r", "4", "-t", "3s", "--host", good.urls()["storefront"],
        "--csv", str(prefix), "--only-summary", "--exit-code-on-error", "0",
    ]  # fmt: skip
    subprocess.run(command, cwd=tmp_path, capture_output=True, timeout=60, check=True)

    with open(f"{prefix}_stats.csv", newline="") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    assert {"/api/products", "/api/products/[id]", "/api/orders"} <= set(rows)
    assert rows["Aggregated"]["Failure Count"] == "0"
