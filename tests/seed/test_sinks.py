"""Sinks: sqlite and a real PostgreSQL read back intact, CSV and Parquet equal, the shop runs."""

from __future__ import annotations

import ast
import csv
import json
import os
import socket
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
import yaml

from actions.seed.generate import TableBatch, generate
from actions.seed.schema import SeedError, SeedSchema, load_schema, parse_schema
from actions.seed.sinks import Sink, csv_sink, database_sink, parquet_sink, write_all
from tests.postgres_server import create_database
from tests.prometheus_server import free_port, wait

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "examples" / "shop"
SHOP_SCHEMA = load_schema(SHOP / "data" / "schema.yaml")
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))

ORPHANS = """
SELECT count(*) FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE c.id IS NULL
"""


def generated(schema: SeedSchema, **options: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows as the sinks get them (ISO text for dates and times, None for nulls)."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for batch in generate(schema, **options):
        values = [batch.values(name) for name in batch.columns]
        rows.setdefault(batch.table, []).extend(zip(*values, strict=True))
    return rows


def seed_sqlite(folder: Path, scale: float = 0.05, **options: Any) -> dict[str, int]:
    sinks = {
        name: database_sink(f"sqlite:///{folder / (name + '.db')}", SHOP_SCHEMA, name, **options)
        for name in SHOP_SCHEMA.databases()
    }
    return write_all(generate(SHOP_SCHEMA, scale=scale), sinks)


def read(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def test_sqlite_holds_every_row_with_keys_intact(tmp_path: Path) -> None:
    written = seed_sqlite(tmp_path)
    orders_db = f"sqlite:///{tmp_path / 'orders.db'}"
    assert written == {"products": 100, "customers": 250, "orders": written["orders"]}
    assert read(orders_db, "SELECT count(*) FROM orders") == [(written["orders"],)]
    assert read(orders_db, ORPHANS) == [(0,)]
    expected = generated(SHOP_SCHEMA, scale=0.05)
    assert read(orders_db, "SELECT * FROM customers ORDER BY id") == expected["customers"]
    catalog = read(f"sqlite:///{tmp_path / 'catalog.db'}", "SELECT * FROM products ORDER BY id")
    assert catalog == expected["products"]


def test_seeding_again_replaces_the_rows(tmp_path: Path) -> None:
    first = seed_sqlite(tmp_path)
    second = seed_sqlite(tmp_path)
    assert first == second
    assert read(f"sqlite:///{tmp_path / 'orders.db'}", "SELECT count(*) FROM orders") == [
        (second["orders"],)
    ]


def storefront_schema() -> str:
    """The storefront's own CREATE TABLE, read from its source."""
    tree = ast.parse((SHOP / "releases" / "1.0" / "storefront.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "SCHEMA":
            return str(ast.literal_eval(node.value))
    raise AssertionError("storefront.py has no SCHEMA")


def test_a_table_the_app_made_gets_the_schemas_extra_nullable_column(tmp_path: Path) -> None:
    with closing(sqlite3.connect(tmp_path / "orders.db")) as db, db:
        db.execute(storefront_schema())
    seed_sqlite(tmp_path)
    rows = read(f"sqlite:///{tmp_path / 'orders.db'}", "SELECT count(customer_id) FROM orders")
    assert rows[0][0] > 0


def test_a_table_missing_a_required_column_is_refused_plainly(tmp_path: Path) -> None:
    with closing(sqlite3.connect(tmp_path / "catalog.db")) as db, db:
        db.execute("CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT)")
    with pytest.raises(SeedError) as caught:
        database_sink(f"sqlite:///{tmp_path / 'catalog.db'}", SHOP_SCHEMA, "catalog")
    assert "table products exists without column category, which is not nullable" in str(
        caught.value
    )


def test_postgresql_is_loaded_by_copy_with_foreign_keys_enforced(postgres_url: str) -> None:
    url = create_database(postgres_url, "shop")
    sinks: dict[str, Sink] = {"*": database_sink(url, SHOP_SCHEMA, "orders")}
    sinks["catalog"] = database_sink(url, SHOP_SCHEMA, "catalog")
    written = write_all(generate(SHOP_SCHEMA, scale=0.2), sinks)
    assert read(url, "SELECT count(*) FROM orders") == [(written["orders"],)]
    assert read(url, ORPHANS) == [(0,)]
    constraints = read(
        url,
        "SELECT count(*) FROM information_schema.table_constraints"
        " WHERE table_name = 'orders' AND constraint_type = 'FOREIGN KEY'",
    )
    assert constraints == [(1,)]  # to customers (products live in the catalog database)
    expected = generated(SHOP_SCHEMA, scale=0.2)["products"][:3]
    assert read(url, "SELECT id, name, price FROM products ORDER BY id LIMIT 3") == [
        (row[0], row[1], row[3]) for row in expected
    ]


def test_postgresql_ids_continue_after_the_loaded_rows(postgres_url: str) -> None:
    url = create_database(postgres_url, "ids")
    sinks = {name: database_sink(url, SHOP_SCHEMA, name) for name in ("catalog", "orders")}
    written = write_all(generate(SHOP_SCHEMA, scale=0.02), sinks)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        new_id = conn.execute(
            sa.text(
                "INSERT INTO orders (product_id, quantity, unit_price, total, created_at)"
                " VALUES (1, 1, 2.5, 2.5, now()) RETURNING id"
            )
        ).scalar()
    engine.dispose()
    assert new_id == written["orders"] + 1


def test_a_row_postgresql_refuses_is_reported_without_its_values(postgres_url: str) -> None:
    url = create_database(postgres_url, "orphans")
    orders_only = (b for b in generate(SHOP_SCHEMA, scale=0.01) if b.table == "orders")
    with pytest.raises(SeedError) as caught:
        write_all(orders_only, {"orders": database_sink(url, SHOP_SCHEMA, "orders")})
    message = str(caught.value)
    assert message.startswith("the orders database at 127.0.0.1:")
    assert "writing orders: " in message and "violates foreign key constraint" in message
    assert len(message.splitlines()) == 1  # PostgreSQL's DETAIL line quotes the row's values


def test_an_unreachable_database_is_named_by_host_and_port_without_its_password() -> None:
    port = free_port()
    url = f"postgresql://seeder:s3cret-pass@127.0.0.1:{port}/shop"
    with pytest.raises(SeedError) as caught:
        database_sink(url, SHOP_SCHEMA, "orders")
    message = str(caught.value)
    assert message.startswith(f"the orders database at 127.0.0.1:{port}/shop: ")
    assert "s3cret" not in message and "Traceback" not in message
    assert len(message.splitlines()) == 1


TRICKY = parse_schema(
    yaml.safe_load(
        """
tables:
  - name: notes
    rows: 300
    columns:
      - {name: id, type: int, primary_key: true, generator: {kind: sequence}}
      - name: body
        type: str
        null: 0.2
        generator: {kind: choice, values: ["plain", "a, comma", "say \\"hi\\"", "two\\nlines"]}
      - {name: done, type: bool, generator: {kind: bool}}
      - {name: day, type: date, generator: {kind: date, start: 2026-01-01, end: 2026-12-31}}
      - name: at
        type: datetime
        null: 0.1
        generator: {kind: datetime, start: 2026-01-01, end: 2026-02-01}
      - {name: amount, type: float, generator: {kind: normal, mean: 10, sd: 3, round: 2}}
"""
    )
)


def test_csv_files_read_back_equal_with_rfc4180_quoting(tmp_path: Path) -> None:
    write_all(generate(TRICKY, batch_rows=64), {"*": csv_sink(tmp_path)})
    raw = (tmp_path / "notes.csv").read_bytes()
    assert raw.startswith(b"id,body,done,day,at,amount\r\n")
    assert b'"say ""hi"""' in raw and b'"a, comma"' in raw
    with (tmp_path / "notes.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    expected = [[_csv_text(v) for v in row] for row in generated(TRICKY, batch_rows=64)["notes"]]
    assert rows == expected


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def test_parquet_files_read_back_equal_with_types_and_nulls(tmp_path: Path) -> None:
    write_all(generate(TRICKY, batch_rows=100), {"*": parquet_sink(tmp_path)})
    table = pq.read_table(tmp_path / "notes.parquet")
    assert pq.ParquetFile(tmp_path / "notes.parquet").num_row_groups == 3
    assert str(table.schema.field("day").type) == "date32[day]"
    assert table.schema.field("at").type.tz == "UTC"  # Parquet keeps milliseconds at least
    expected = next(b for b in generate(TRICKY) if b.table == "notes")
    for name in ("id", "body", "done", "amount"):
        assert table.column(name).to_pylist() == expected.values(name)
    days = [d.isoformat() for d in table.column("day").to_pylist()]
    assert days == expected.values("day")
    times = [t and t.isoformat() for t in table.column("at").to_pylist()]
    assert times == expected.values("at")


class Recording:
    def __init__(self) -> None:
        self.batches: list[TableBatch] = []
        self.closed: list[bool] = []

    def write(self, batch: TableBatch) -> None:
        if batch.table == "orders":
            raise SeedError("disk full")
        self.batches.append(batch)

    def close(self, ok: bool = True) -> None:
        self.closed.append(ok)


def test_write_all_reports_progress_and_rows_per_table(tmp_path: Path) -> None:
    messages: list[str] = []
    sink = csv_sink(tmp_path)
    written = write_all(generate(TRICKY, batch_rows=200), {"*": sink}, progress=messages.append)
    assert written == {"notes": 300}
    assert messages == ["notes: 200 rows", "notes: 300 rows"]


def test_write_all_closes_every_sink_when_a_batch_fails() -> None:
    sink = Recording()
    with pytest.raises(SeedError, match="disk full"):
        write_all(generate(SHOP_SCHEMA, scale=0.01), {"catalog": sink, "orders": sink})
    assert sink.closed == [False] and {b.table for b in sink.batches} == {"products", "customers"}


def _failing_midway(batches: Iterator[TableBatch], after: int) -> Iterator[TableBatch]:
    """The batches, then a failure (the generator or a sink dying midway)."""
    for number, batch in enumerate(batches):
        if number == after:
            raise SeedError("the machine ran out of memory")
        yield batch


def test_a_load_failing_midway_leaves_the_sqlite_rows_it_had(tmp_path: Path) -> None:
    before = seed_sqlite(tmp_path)
    sinks = {
        name: database_sink(f"sqlite:///{tmp_path / (name + '.db')}", SHOP_SCHEMA, name)
        for name in SHOP_SCHEMA.databases()
    }
    with pytest.raises(SeedError, match="out of memory"):
        write_all(
            _failing_midway(generate(SHOP_SCHEMA, scale=0.05, seed=2, batch_rows=50), 4), sinks
        )
    for table, count in before.items():
        database = next(t.database for t in SHOP_SCHEMA.tables if t.name == table)
        url = f"sqlite:///{tmp_path / (database + '.db')}"
        assert read(url, f"SELECT count(*) FROM {table}") == [(count,)], table
    first = read(f"sqlite:///{tmp_path / 'catalog.db'}", "SELECT name FROM products WHERE id = 1")
    assert first == [(generated(SHOP_SCHEMA, scale=0.05)["products"][0][1],)]


def test_a_load_failing_midway_leaves_the_postgresql_rows_it_had(postgres_url: str) -> None:
    url = create_database(postgres_url, "midway")

    def sinks() -> dict[str, Sink]:
        return {name: database_sink(url, SHOP_SCHEMA, name) for name in SHOP_SCHEMA.databases()}

    loaded = write_all(generate(SHOP_SCHEMA, scale=0.02), sinks())
    failing = _failing_midway(generate(SHOP_SCHEMA, scale=0.05, seed=9, batch_rows=50), 3)
    with pytest.raises(SeedError, match="out of memory"):
        write_all(failing, sinks())
    for table, count in loaded.items():
        assert read(url, f"SELECT count(*) FROM {table}") == [(count,)], table


def test_files_of_a_failed_write_are_removed(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="out of memory"):
        write_all(_failing_midway(generate(TRICKY, batch_rows=100), 2), {"*": csv_sink(tmp_path)})
    assert list(tmp_path.iterdir()) == []


def test_a_database_without_a_sink_is_refused() -> None:
    with pytest.raises(SeedError, match="no target for the 'orders' database"):
        write_all(generate(SHOP_SCHEMA, scale=0.01), {"catalog": Recording()})


@contextmanager
def service(*args: str) -> Iterator[str]:
    """A shop service on a free port, started from its release's source; its URL."""
    port = free_port()
    env = {**os.environ, "SHOP_LATENCY_FACTOR": "0"}
    process = subprocess.Popen(
        [sys.executable, *args, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait(lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close() or True)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def http(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    with NO_PROXY.open(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_the_shop_serves_seeded_products_and_takes_orders_after_seeded_ones(tmp_path: Path) -> None:
    written = seed_sqlite(tmp_path)
    release = SHOP / "releases" / "1.0"
    with (
        service(str(release / "catalog.py"), "--db", str(tmp_path / "catalog.db")) as catalog,
        service(
            str(release / "storefront.py"),
            *("--db", str(tmp_path / "orders.db"), "--catalog-url", catalog),
        ) as storefront,
    ):
        status, body = http("GET", f"{storefront}/api/products")
        assert status == 200
        expected = generated(SHOP_SCHEMA, scale=0.05)
        assert [p["name"] for p in body["products"]] == [r[1] for r in expected["products"]]
        status, order = http("GET", f"{storefront}/api/orders/1")
        assert status == 200 and order["created_at"] == expected["orders"][0][5]
        status, order = http("POST", f"{storefront}/api/orders", {"product_id": 3, "quantity": 2})
        assert status == 201 and order["id"] == written["orders"] + 1
