"""Record the test history the selection benchmark replays: the shop's e2e suite on mutants.

Each mutant is release 1.0 of the shop with one or two deterministic source mutations (a changed
status code, an off-by-one, a wrong field, a slowed call, ...) in one or two of its files. They
are deployed one after the other on the local environment (processes on 127.0.0.1), and the real
e2e step runs the real suite against each (failed tests run once more, so flakiness would show).
Stored per release, in `benchmarks/data/selection_history.json`: what changed against 1.0 (files
and `file::symbol`, as a readiness run computes it), each test's outcome and duration.

Some mutants break no test (the suite does not check that field, or the change is harmless): they
are kept, as real releases that pass are part of any history. Releases come in a fixed shuffled
order, so mutants of one area are spread over the history.

Run: `python -m benchmarks.record_selection_history` (about two minutes).
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from actions.config import Settings
from actions.context import RunContext
from actions.environments.base import Release
from actions.environments.local import LocalEnvironment
from actions.testing import e2e, smart

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "examples" / "shop"
OUT = ROOT / "benchmarks" / "data" / "selection_history.json"
SEED = 20260105
SF, CAT = "storefront.py", "catalog.py"

# name: (what it does, [(file, text in 1.0, replacement)])
MUTANTS: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "sf-created-200": (
        "a placed order answers 200 instead of 201",
        [(SF, "        return 201, {", "        return 200, {")],
    ),
    "sf-total-off-by-one": (
        "the order total counts one item too many",
        [(SF, "round(price * quantity, 2)", "round(price * (quantity + 1), 2)")],
    ),
    "sf-zero-quantity": (
        "a quantity of 0 is accepted",
        [(SF, "or value < 1:", "or value < 0:")],
    ),
    "sf-max-quantity-2": (
        "at most 2 items per order",
        [(SF, "MAX_QUANTITY = 100", "MAX_QUANTITY = 2")],
    ),
    "sf-default-quantity": (
        "a missing quantity defaults to 1",
        [(SF, 'body.get("quantity")', 'body.get("quantity", 1)')],
    ),
    "sf-readback-field": (
        "a read-back order names its product `product`",
        [
            (
                SF,
                "        return 200, dict(row)",
                '        return 200, {"product": row["product_id"]}',
            )
        ],
    ),
    "sf-readback-off-by-one": (
        "reading an order back reads the next id",
        [(SF, 'WHERE id = ?", (raw_id,)', 'WHERE id = ?", (int(raw_id) + 1,)')],
    ),
    "sf-missing-is-400": (
        "an unknown product answers 400",
        [
            (
                SF,
                'raise HTTPError(404, "no such product")',
                'raise HTTPError(400, "no such product")',
            )
        ],
    ),
    "sf-list-reversed": (
        "the product list comes in reverse order",
        [(SF, '{"products": catalog.products()}', '{"products": catalog.products()[::-1]}')],
    ),
    "sf-health-name": (
        "the storefront's health check names it `store-front`",
        [(SF, 'App("storefront", VERSION)', 'App("store-front", VERSION)')],
    ),
    "sf-catalog-timeout": (
        "the catalog call times out after 1 ms",
        [(SF, "CATALOG_TIMEOUT_S = 2.0", "CATALOG_TIMEOUT_S = 0.001")],
    ),
    "sf-created-at-renamed": (
        "an order's `created_at` is called `created` (no test reads it)",
        [(SF, '            "created_at": created,', '            "created": created,')],
    ),
    "sf-unit-price-zero": (
        "an order's unit price is 0 (no test reads it)",
        [(SF, '            "unit_price": product["price"],', '            "unit_price": 0,')],
    ),
    "sf-bool-quantity": (
        "a boolean quantity is accepted (no test sends one)",
        [(SF, " or isinstance(value, bool)", "")],
    ),
    "sf-bulk-discount": (
        "10% off orders of several items (allowed by the suite)",
        [
            (
                SF,
                "round(price * quantity, 2)",
                "round(price * quantity * (0.9 if quantity > 1 else 1), 2)",
            )
        ],
    ),
    "sf-low-ids-only": (
        "products from id 5 on are not found",
        [
            (
                SF,
                "if raw_id.isdigit() else None",
                "if raw_id.isdigit() and int(raw_id) < 5 else None",
            )
        ],
    ),
    "cat-negative-prices": (
        "a product read alone has a negative price",
        [
            (
                CAT,
                "        return 200, rows[0]",
                '        return 200, {**rows[0], "price": -rows[0]["price"]}',
            )
        ],
    ),
    "cat-list-limit-5": (
        "the catalog lists 5 products",
        [
            (
                CAT,
                'rows = query(db_path, "SELECT * FROM products ORDER BY id")',
                'rows = query(db_path, "SELECT * FROM products ORDER BY id LIMIT 5")',
            )
        ],
    ),
    "cat-detail-no-name": (
        "a product read alone has an empty name",
        [(CAT, "        return 200, rows[0]", '        return 200, {**rows[0], "name": ""}')],
    ),
    "cat-missing-is-empty": (
        "an unknown product is an empty 200",
        [
            (
                CAT,
                '        if not rows:\n            raise HTTPError(404, "no such product")',
                "        if not rows:\n            return 200, {}",
            )
        ],
    ),
    "cat-health-name": (
        "the catalog's health check names it `catalogue`",
        [(CAT, 'App("catalog", VERSION)', 'App("catalogue", VERSION)')],
    ),
    "cat-slow-queries": (
        "every catalog query is 7x slower (still within the storefront's timeout)",
        [(CAT, "QUERY_LATENCY_S = 0.02", "QUERY_LATENCY_S = 0.15")],
    ),
    "cat-category-inverted": (
        "the category filter is inverted (no test filters)",
        [(CAT, "WHERE category = ? ORDER BY id", "WHERE category != ? ORDER BY id")],
    ),
    "cat-seed-8": (
        "a new catalog holds 8 products (the database kept from earlier releases has 52)",
        [(CAT, "for i in range(1, 53):", "for i in range(1, 9):")],
    ),
    "both-price-as-text": (
        "the catalog sends a product's price as text; the storefront's timeout is shorter",
        [
            (
                CAT,
                "        return 200, rows[0]",
                '        return 200, {**rows[0], "price": str(rows[0]["price"])}',
            ),
            (SF, "CATALOG_TIMEOUT_S = 2.0", "CATALOG_TIMEOUT_S = 1.5"),
        ],
    ),
    "both-quantity-one": (
        "an order always says quantity 1; catalog queries are a little slower",
        [
            (SF, '            "quantity": quantity,', '            "quantity": 1,'),
            (CAT, "QUERY_LATENCY_S = 0.02", "QUERY_LATENCY_S = 0.03"),
        ],
    ),
    "both-kitchen-only": (
        "the storefront lists kitchen products only; the catalog's count is one too many",
        [
            (
                SF,
                '{"products": catalog.products()}',
                '{"products": catalog.products(category="kitchen")}',
            ),
            (CAT, '"count": len(rows)}', '"count": len(rows) + 1}'),
        ],
    ),
    "release-version-upper": (
        "the release reads its version upper-cased",
        [("release.py", ".read_text().strip()", ".read_text().strip().upper()")],
    ),
}


def make_release(releases: Path, version: str, edits: list[tuple[str, str, str]]) -> None:
    """`releases/<version>`: release 1.0 with the edits applied (each must apply exactly once)."""
    folder = releases / version
    shutil.copytree(SHOP / "releases" / "1.0", folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "VERSION").write_text(version + "\n")
    for name, old, new in edits:
        path = folder / name
        text = path.read_text()
        if text.count(old) != 1:
            raise SystemExit(f"{version}: {old!r} is in {name} {text.count(old)} times, not once")
        path.write_text(text.replace(old, new))


def settings_for(workdir: Path, releases: Path) -> Settings:
    data = yaml.safe_load((SHOP / "preprod.yaml").read_text())
    data["storage"] = {"path": str(workdir / "preprod.db"), "artifacts": str(workdir / "art")}
    data["apps"]["shop"]["releases_dir"] = str(releases)
    return Settings.model_validate({**data, "base_dir": SHOP})


def record() -> dict[str, Any]:
    """Deploy and test every mutant; the history as the benchmark reads it."""
    order = sorted(MUTANTS)
    random.Random(SEED).shuffle(order)
    released: list[dict[str, Any]] = []
    suite_order: list[str] = []
    with tempfile.TemporaryDirectory(prefix="selection-history-") as tmp:
        shop = Path(tmp) / "shop"
        releases = shop / "releases"
        shutil.copytree(
            SHOP / "shoplib", shop / "shoplib", ignore=shutil.ignore_patterns("__pycache__")
        )
        shutil.copytree(
            SHOP / "releases" / "1.0",
            releases / "1.0",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        settings = settings_for(Path(tmp), releases)
        env = LocalEnvironment("local", settings)
        config = settings.apps["shop"].e2e
        assert config is not None
        try:
            for i, name in enumerate(order, start=1):
                version = f"1.0.{i}"
                description, edits = MUTANTS[name]
                make_release(releases, version, edits)
                deployed = env.deploy(Release(app="shop", version=version), lambda message: None)
                if not deployed.ok:
                    raise SystemExit(f"{name} did not deploy: {deployed.summary}")
                ctx = RunContext(
                    settings=settings,
                    store=None,
                    run_id=str(i),
                    workdir=Path(tmp) / "runs" / version,
                )  # type: ignore[arg-type]
                request = e2e.E2ERequest(
                    config=config, urls=env.urls(), version=version, base_dir=SHOP
                )
                result = e2e.run(request, ctx=ctx)
                tests = {
                    t["id"]: {"outcome": t["outcome"], "time_s": round(t["time_s"], 4)}
                    for t in result.data["tests"]
                }
                suite_order = suite_order or list(tests)
                churn = smart.release_churn(releases, "1.0", version) or {"changed": []}
                released.append(
                    {
                        "version": version,
                        "mutant": name,
                        "description": description,
                        "changed": churn["changed"],
                        "tests": tests,
                        "summary": result.summary,
                    }
                )
                failed = [t for t, v in tests.items() if v["outcome"] != "passed"]
                print(f"{version} {name:24} {result.summary}  {[f.split('::')[1] for f in failed]}")
        finally:
            env.teardown()
    return {
        "about": "the shop's e2e suite on mutants of release 1.0; see record_selection_history.py",
        "recorded_with": "python -m benchmarks.record_selection_history",
        "baseline": "1.0",
        "suite_order": suite_order,
        "releases": released,
    }


def main() -> None:
    started = time.monotonic()
    history = record()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(history, indent=1) + "\n")
    print(
        f"{len(history['releases'])} releases written to {OUT} in {time.monotonic() - started:.0f}s"
    )


if __name__ == "__main__":
    sys.exit(main())
