"""End-to-end checks of the shop, through its public API and the catalog's."""

from __future__ import annotations

import pytest
from shopapi import Api


def test_storefront_is_healthy(storefront: Api) -> None:
    status, body = storefront.get("/healthz")
    assert status == 200
    assert body["status"] == "ok"
    assert body["service"] == "storefront"


def test_catalog_is_healthy(catalog: Api) -> None:
    status, body = catalog.get("/healthz")
    assert status == 200
    assert body["service"] == "catalog"


def test_product_list_shows_the_catalog(storefront: Api, catalog: Api) -> None:
    status, body = storefront.get("/api/products")
    assert status == 200
    assert len(body["products"]) >= 10
    assert body["products"] == catalog.get("/products")[1]["products"]


def test_product_detail_has_name_and_price(storefront: Api) -> None:
    status, product = storefront.get("/api/products/3")
    assert status == 200
    assert product["id"] == 3
    assert product["name"]
    assert product["price"] > 0


def test_unknown_product_is_not_found(storefront: Api) -> None:
    assert storefront.get("/api/products/999999")[0] == 404


def test_order_of_one_item_is_placed(storefront: Api) -> None:
    price = storefront.get("/api/products/5")[1]["price"]
    status, order = storefront.post("/api/orders", {"product_id": 5, "quantity": 1})
    assert status == 201, order
    assert order["id"] > 0
    assert order["total"] == pytest.approx(price)


def test_order_of_several_items_is_placed(storefront: Api) -> None:
    price = storefront.get("/api/products/7")[1]["price"]
    status, order = storefront.post("/api/orders", {"product_id": 7, "quantity": 3})
    assert status == 201, order
    assert order["quantity"] == 3
    assert 0 < order["total"] <= price * 3 + 0.01  # a discount may apply, never a surcharge


def test_placed_order_can_be_read_back(storefront: Api) -> None:
    placed = storefront.post("/api/orders", {"product_id": 2, "quantity": 1})[1]
    status, order = storefront.get(f"/api/orders/{placed['id']}")
    assert status == 200
    assert order["product_id"] == 2
    assert order["total"] == pytest.approx(placed["total"])


@pytest.mark.parametrize(
    "body",
    [{"product_id": 1, "quantity": 0}, {"product_id": 1}, {"product_id": "x", "quantity": 1}],
    ids=["zero-quantity", "no-quantity", "bad-product-id"],
)
def test_malformed_order_is_rejected(storefront: Api, body: dict) -> None:
    assert storefront.post("/api/orders", body)[0] == 400


def test_order_of_unknown_product_is_not_found(storefront: Api) -> None:
    assert storefront.post("/api/orders", {"product_id": 999999, "quantity": 1})[0] == 404
