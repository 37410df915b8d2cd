"""The e2e step on the real shop 1.1 (on 127.0.0.1): failure evidence from the services' logs,
and smart selection from a stored history."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.config import Settings
from actions.context import RunContext
from actions.environments.base import Release
from actions.environments.local import LocalEnvironment
from actions.result import Result, Status
from actions.testing import e2e
from actions.testing.e2e import E2ERequest
from storage import runs
from storage.store import Store

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"
SEVERAL = "e2e.test_shop::test_order_of_several_items_is_placed"


def shop_settings(workdir: Path) -> Settings:
    data = yaml.safe_load((SHOP / "preprod.yaml").read_text())
    data["storage"] = {"path": str(workdir / "preprod.db"), "artifacts": str(workdir / "art")}
    return Settings.model_validate({**data, "base_dir": SHOP})


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEnvironment]:
    env = LocalEnvironment("local", shop_settings(tmp_path_factory.mktemp("shop-1.1")))
    try:
        outcome = env.deploy(Release(app="shop", version="1.1"), lambda message: None)
        assert outcome.ok, outcome.details
        yield env
    finally:
        env.teardown()


def step(
    shop: LocalEnvironment, workdir: Path, store: Store | None = None, **request: Any
) -> Result:
    """The e2e step as a readiness run calls it: shop 1.1 against its baseline 1.0."""
    config = shop_settings(workdir).apps["shop"].e2e
    assert config is not None
    ctx = RunContext(settings=shop_settings(workdir), store=store, run_id="1000", workdir=workdir)  # type: ignore[arg-type]
    e2e_request = E2ERequest(
        config=config,
        urls=shop.urls(),
        version="1.1",
        base_dir=SHOP,
        app="shop",
        baseline="1.0",
        releases_dir=SHOP / "releases",
        **request,
    )
    return e2e.run(e2e_request, ctx=ctx, logs=lambda service: shop.logs(service, tail=500))


@pytest.fixture(scope="module")
def whole_suite(shop: LocalEnvironment, tmp_path_factory: pytest.TempPathFactory) -> Result:
    return step(shop, tmp_path_factory.mktemp("whole"))


def test_a_real_failure_s_evidence_has_the_storefront_log_line_of_the_500(
    whole_suite: Result,
) -> None:
    [finding] = whole_suite.findings
    storefront = finding.evidence.split("storefront log, ", 1)[1].split("\n\n")[0]
    lines = [json.loads(line) for line in storefront.splitlines()[1:]]

    assert finding.title == "e2e test failed: test_order_of_several_items_is_placed"
    assert finding.evidence.startswith("AssertionError: {'error': 'internal error'}")
    assert [(x["method"], x["path"], x["status"]) for x in lines] == [
        ("GET", "/api/products/7", 200),
        ("POST", "/api/orders", 500),
    ]
    assert lines[1]["error"].startswith("TypeError: unsupported operand type(s) for *")
    assert "in order_total" in lines[1]["traceback"]
    assert finding.evidence.index("storefront log") < finding.evidence.index("catalog log")


def test_the_churn_against_the_baseline_is_kept_with_the_result(whole_suite: Result) -> None:
    churn = whole_suite.data["churn"]

    assert churn["baseline"] == "1.0"
    assert "storefront.py::order_total" in churn["changed"]


def test_with_no_history_smart_selection_runs_everything_and_says_so(
    shop: LocalEnvironment, tmp_path: Path, store: Store
) -> None:
    result = step(shop, tmp_path, store, select="smart", budget_s=0.2)

    assert len(result.data["tests"]) == 12
    assert result.summary.endswith("; smart selection: no test history yet, so every test runs")


def test_smart_selection_runs_the_risky_test_first_and_skips_within_a_small_budget(
    shop: LocalEnvironment, whole_suite: Result, tmp_path: Path, store: Store
) -> None:
    ids = [t["id"] for t in whole_suite.data["tests"]]
    # Past runs of other releases: the multi-item order test failed when order_total changed.
    for version, failed, changed in [
        ("1.0.1", None, ["VERSION", "catalog.py", "catalog.py::seed_products"]),
        ("1.0.2", SEVERAL, ["VERSION", "storefront.py", "storefront.py::order_total"]),
        ("1.0.3", None, ["VERSION", "storefront.py", "storefront.py::make_app.get_order"]),
        ("1.0.4", SEVERAL, ["VERSION", "storefront.py", "storefront.py::order_total"]),
    ]:
        store_run(store, version, {t: "failed" if t == failed else "passed" for t in ids}, changed)

    result = step(shop, tmp_path, store, select="smart", budget_s=0.35)

    ran = [t["id"] for t in result.data["tests"]]
    selection = result.data["selection"]
    assert ran[0] == SEVERAL
    assert len(ran) == 3 and len(selection["skipped"]) == 9
    assert selection["order"][0]["because"].startswith(
        "failed when storefront.py::order_total changed"
    )
    skipped_risk = sum(s["probability"] for s in selection["skipped"])
    assert selection["risk_left"] == pytest.approx(skipped_risk, abs=1e-3) and skipped_risk > 0
    assert "smart selection ran 3 test(s) riskiest first in a budget of 0.35s, skipped 9" in (
        result.summary
    )
    assert result.status is Status.FAIL  # and it caught the failure


def test_a_pattern_runs_the_tests_it_matches(shop: LocalEnvironment, tmp_path: Path) -> None:
    result = step(shop, tmp_path, select="malformed and not zero")

    assert result.status is Status.PASS
    assert result.summary.startswith("2 passed in ")
    assert result.summary.endswith("; selected by -k 'malformed and not zero'")


def store_run(store: Store, version: str, outcomes: dict[str, str], changed: list[str]) -> None:
    """A past readiness run of the shop whose e2e step stored these outcomes (0.1 s each)."""
    run_id = runs.create_run(store, verb="ready", command=f"ready shop {version}", app="shop")
    tests = [{"id": t, "outcome": o, "time_s": 0.1} for t, o in outcomes.items()]
    data = {"tests": tests, "churn": {"baseline": "1.0", "changed": changed}}
    runs.start_step(store, run_id, 1, "e2e")
    runs.save_result(
        store, run_id, 1, Result(step="e2e", status=Status.PASS, summary="", data=data)
    )
