"""Storefront service: the shop's public API; reads products from catalog and keeps orders."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from typing import Any

from release import VERSION
from shoplib import App, HTTPError, Request, Unavailable, call, parse_args, serve

CATALOG_TIMEOUT_S = 2.0
MAX_QUANTITY = 100
SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price REAL NOT NULL,
    total REAL NOT NULL,
    created_at TEXT NOT NULL
)
"""


class Catalog:
    """The catalog service, seen from the storefront."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def products(self, category: str | None = None) -> list[dict[str, Any]]:
        path = f"/products?category={category}" if category else "/products"
        return self._get(path)["products"]

    def product(self, product_id: int) -> dict[str, Any] | None:
        return self._get(f"/products/{product_id}", missing_ok=True)

    def _get(self, path: str, missing_ok: bool = False) -> Any:
        try:
            status, body = call("GET", self.base_url + path, timeout=CATALOG_TIMEOUT_S)
        except Unavailable as error:
            raise HTTPError(502, "the catalog is unavailable") from error
        if status == 404 and missing_ok:
            return None
        if status != 200:
            raise HTTPError(502, f"the catalog answered {status}")
        return body


def order_total(price: float, quantity: int) -> float:
    """What the customer pays for `quantity` items at `price`."""
    return round(price * quantity, 2)


def parse_order(body: Any) -> tuple[int, int]:
    """The product id and quantity of an order request; a 400 if either is missing or wrong."""
    if not isinstance(body, dict):
        raise HTTPError(400, "expected a JSON object with product_id and quantity")
    product_id, quantity = body.get("product_id"), body.get("quantity")
    for name, value in (("product_id", product_id), ("quantity", quantity)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise HTTPError(400, f"{name} must be a positive integer")
    if quantity > MAX_QUANTITY:
        raise HTTPError(400, f"quantity must be at most {MAX_QUANTITY}")
    return product_id, quantity


def make_app(db_path: str, catalog: Catalog) -> App:
    """The storefront's routes, with orders kept in the database at `db_path`."""
    app = App("storefront", VERSION)

    def product_or_404(raw_id: str) -> dict[str, Any]:
        product = catalog.product(int(raw_id)) if raw_id.isdigit() else None
        if product is None:
            raise HTTPError(404, "no such product")
        return product

    @app.route("GET", "/api/products")
    def list_products(request: Request) -> tuple[int, Any]:
        return 200, {"products": catalog.products()}

    @app.route("GET", "/api/products/{id}")
    def get_product(request: Request) -> tuple[int, Any]:
        return 200, product_or_404(request.params["id"])

    @app.route("POST", "/api/orders")
    def place_order(request: Request) -> tuple[int, Any]:
        product_id, quantity = parse_order(request.json())
        product = product_or_404(str(product_id))
        total = order_total(product["price"], quantity)
        created = datetime.now(UTC).isoformat(timespec="seconds")
        with closing(sqlite3.connect(db_path, timeout=5)) as db, db:
            cursor = db.execute(
                "INSERT INTO orders (product_id, quantity, unit_price, total, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (product_id, quantity, product["price"], total, created),
            )
            order_id = cursor.lastrowid
        return 201, {
            "id": order_id,
            "product_id": product_id,
            "quantity": quantity,
            "unit_price": product["price"],
            "total": total,
            "created_at": created,
        }

    @app.route("GET", "/api/orders/{id}")
    def get_order(request: Request) -> tuple[int, Any]:
        raw_id = request.params["id"]
        with closing(sqlite3.connect(db_path, timeout=5)) as db:
            db.row_factory = sqlite3.Row
            row = db.execute("SELECT * FROM orders WHERE id = ?", (raw_id,)).fetchone()
        if row is None:
            raise HTTPError(404, "no such order")
        return 200, dict(row)

    return app


def main() -> None:
    args = parse_args("storefront", ("--catalog-url", {"required": True}))
    with closing(sqlite3.connect(args.db, timeout=5)) as db, db:
        db.execute(SCHEMA)
    serve(make_app(args.db, Catalog(args.catalog_url)), args.host, args.port)


if __name__ == "__main__":
    main()
