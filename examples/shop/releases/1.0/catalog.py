"""Catalog service: owns the product database and serves it over HTTP."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from typing import Any

from release import VERSION
from shoplib import App, HTTPError, Request, parse_args, scaled_latency, serve

# In production the catalog's database is a networked server; this models its round trip.
QUERY_LATENCY_S = 0.02

CATEGORIES = ("kitchen", "garden", "office", "toys")
ADJECTIVES = ("Classic", "Compact", "Deluxe", "Eco", "Handy", "Modern", "Smart", "Sturdy")
NOUNS = ("Basket", "Bottle", "Clock", "Lamp", "Mug", "Planter")
SCHEMA = """
CREATE TABLE IF NOT EXISTS products (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    price REAL NOT NULL,
    stock INTEGER NOT NULL
)
"""


def seed_products() -> list[tuple[int, str, str, float, int]]:
    """The 52 products every new catalog starts with, always the same."""
    rows = []
    for i in range(1, 53):
        name = f"{ADJECTIVES[i % len(ADJECTIVES)]} {NOUNS[i % len(NOUNS)]} {i}"
        price = round(4.99 + (i * 37) % 120, 2)
        rows.append((i, name, CATEGORIES[i % len(CATEGORIES)], price, 5 + (i * 7) % 40))
    return rows


def init_db(path: str) -> None:
    """Create the products table and seed it if it is empty."""
    with closing(sqlite3.connect(path, timeout=5)) as db, db:
        db.execute(SCHEMA)
        if db.execute("SELECT COUNT(*) FROM products").fetchone()[0] == 0:
            db.executemany("INSERT OR IGNORE INTO products VALUES (?, ?, ?, ?, ?)", seed_products())


def query(path: str, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Rows of one query, as dicts."""
    time.sleep(scaled_latency(QUERY_LATENCY_S))
    with closing(sqlite3.connect(path, timeout=5)) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(sql, args)]


def make_app(db_path: str) -> App:
    """The catalog's routes over the database at `db_path`."""
    app = App("catalog", VERSION)

    @app.route("GET", "/products")
    def list_products(request: Request) -> tuple[int, Any]:
        category = request.query.get("category")
        if category:
            rows = query(
                db_path, "SELECT * FROM products WHERE category = ? ORDER BY id", (category,)
            )
        else:
            rows = query(db_path, "SELECT * FROM products ORDER BY id")
        return 200, {"products": rows, "count": len(rows)}

    @app.route("GET", "/products/{id}")
    def get_product(request: Request) -> tuple[int, Any]:
        if not request.params["id"].isdigit():
            raise HTTPError(404, "no such product")
        rows = query(db_path, "SELECT * FROM products WHERE id = ?", (int(request.params["id"]),))
        if not rows:
            raise HTTPError(404, "no such product")
        return 200, rows[0]

    return app


def main() -> None:
    args = parse_args("catalog")
    init_db(args.db)
    serve(make_app(args.db), args.host, args.port)


if __name__ == "__main__":
    main()
