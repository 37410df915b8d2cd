"""Load profile of the shop, aimed at the storefront: browse a lot, order now and then."""

import random

from locust import HttpUser, between, task

# The catalog seeds products 1..52; ids stay stable across releases.
PRODUCT_IDS = range(1, 53)


class Shopper(HttpUser):
    """A visitor who lists products, opens some, and sometimes places an order."""

    wait_time = between(0.05, 0.2)

    @task(3)
    def list_products(self) -> None:
        self.client.get("/api/products")

    @task(3)
    def product_detail(self) -> None:
        self.client.get(f"/api/products/{random.choice(PRODUCT_IDS)}", name="/api/products/[id]")

    @task(1)
    def place_order(self) -> None:
        order = {"product_id": random.choice(PRODUCT_IDS), "quantity": random.randint(1, 3)}
        self.client.post("/api/orders", json=order)
