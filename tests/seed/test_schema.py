"""The seed schema: the shop's loads; every mistake is reported plainly, naming table and column."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from actions.seed.schema import SeedError, load_schema, parse_schema

ROOT = Path(__file__).resolve().parents[2]
SHOP_SCHEMA = ROOT / "examples" / "shop" / "data" / "schema.yaml"

BASE: dict[str, Any] = {
    "version": 1,
    "tables": [
        {
            "name": "customers",
            "rows": 10,
            "columns": [
                {
                    "name": "id",
                    "type": "int",
                    "primary_key": True,
                    "generator": {"kind": "sequence"},
                },
                {"name": "email", "type": "str", "unique": True, "generator": {"kind": "email"}},
            ],
        },
        {
            "name": "orders",
            "per": {"table": "customers", "mean": 2},
            "columns": [
                {
                    "name": "id",
                    "type": "int",
                    "primary_key": True,
                    "generator": {"kind": "sequence"},
                },
                {
                    "name": "customer_id",
                    "type": "int",
                    "generator": {"kind": "foreign_key", "ref": "customers.id"},
                },
                {
                    "name": "quantity",
                    "type": "int",
                    "generator": {"kind": "uniform", "low": 1, "high": 5},
                },
            ],
        },
    ],
}


def with_change(path: str, value: Any) -> dict[str, Any]:
    """BASE with the value at `tables.1.columns.2.generator` (say) replaced."""
    data = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    node: Any = data
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    node[int(last) if last.isdigit() else last] = value
    return data


def problems(data: dict[str, Any]) -> str:
    with pytest.raises(SeedError) as caught:
        parse_schema(data, source="schema.yaml")
    return str(caught.value)


def test_the_shops_schema_loads_with_its_three_tables() -> None:
    schema = load_schema(SHOP_SCHEMA)
    assert [t.name for t in schema.tables] == ["products", "customers", "orders"]
    assert schema.databases() == ["catalog", "orders"]


def test_a_valid_schema_parses() -> None:
    assert parse_schema(BASE).table("orders").per is not None


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            "tables.1.columns.2.generator",
            {"kind": "gaussian"},
            "orders.quantity.generator: unknown generator 'gaussian'; generators are",
        ),
        ("tables.1.columns.2.colour", "red", "orders.quantity.colour: unknown key"),
        (
            "tables.1.columns.2.generator",
            {"kind": "uniform", "low": 5, "high": 1},
            "orders.quantity.generator: low is above high",
        ),
        ("tables.0.rows", -1, "customers.rows: Input should be greater than or equal to 0"),
        (
            "tables.1.rows",
            5,
            "orders: give either rows: N or per: {table: ..., mean: ...}",
        ),
        (
            "tables.1.columns.2.generator",
            {"kind": "pattern", "pattern": "A+"},
            "'+' at position 1 is not supported",
        ),
        (
            "tables.1.columns.2.generator",
            {"kind": "derived", "expr": "__import__('os').system('x')"},
            "functions allowed in expressions are",
        ),
        ("tables.1.columns.2.null", 1.5, "orders.quantity.null: Input should be less than 1"),
    ],
)
def test_a_malformed_column_is_reported_by_table_and_column(
    path: str, value: Any, expected: str
) -> None:
    assert expected in problems(with_change(path, value))


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            "tables.1.columns.1.generator",
            {"kind": "foreign_key", "ref": "clients.id"},
            "orders.customer_id: refers to a table 'clients' that the schema does not have",
        ),
        (
            "tables.1.columns.1.generator",
            {"kind": "foreign_key", "ref": "customers.number"},
            "orders.customer_id: refers to customers.number, but customers has no column 'number'",
        ),
        (
            "tables.1.columns.2.generator",
            {"kind": "foreign_key", "ref": "orders.quantity"},
            "orders.quantity: orders.quantity is not unique: a key must be",
        ),
        (
            "tables.1.columns.2.generator",
            {"kind": "first_name"},
            "orders.quantity: generator 'first_name' makes str, not int",
        ),
        (
            "tables.1.columns.2.generator",
            {"kind": "choice", "values": [1, "two"]},
            "orders.quantity: 'two' is not a int",
        ),
        (
            "tables.1.columns.2.generator",
            {"kind": "derived", "expr": "price * 2"},
            "orders.quantity: reads a column 'price' that orders does not have",
        ),
        (
            "tables.1.columns.2.generator",
            {"kind": "lookup", "via": "id", "column": "email"},
            "orders.quantity: lookup via 'id': not a foreign_key column of orders",
        ),
        ("tables.1.per.table", "nobody", "orders: per: no table 'nobody'"),
        (
            "tables.1.columns.2.unique",
            True,
            "orders.quantity: unique needs",
        ),
    ],
)
def test_a_broken_reference_or_type_is_reported(path: str, value: Any, expected: str) -> None:
    assert expected in problems(with_change(path, value))


def test_foreign_keys_in_a_cycle_are_reported() -> None:
    data = with_change(
        "tables.0.columns.1",
        {
            "name": "last_order",
            "type": "int",
            "generator": {"kind": "foreign_key", "ref": "orders.id"},
        },
    )
    assert "these tables depend on each other in a cycle: customers -> orders -> customers" in (
        problems(data)
    )


def test_derived_columns_in_a_cycle_are_reported() -> None:
    data = copy.deepcopy(BASE)
    data["tables"][1]["columns"] += [
        {"name": "a", "type": "float", "generator": {"kind": "derived", "expr": "b + 1"}},
        {"name": "b", "type": "float", "generator": {"kind": "derived", "expr": "a * 2"}},
    ]
    assert "orders: these columns depend on each other in a cycle: a -> b -> a" in problems(data)


def test_unique_values_beyond_what_the_generator_can_make_are_refused() -> None:
    data = with_change(
        "tables.0.columns.1",
        {
            "name": "tier",
            "type": "str",
            "unique": True,
            "generator": {"kind": "choice", "values": ["gold", "silver", "bronze"]},
        },
    )
    assert (
        "customers.tier: unique needs 10 distinct values, but choice can make only 3"
        in problems(data)
    )


def test_unique_on_a_generator_without_a_finite_domain_is_refused() -> None:
    data = with_change(
        "tables.1.columns.2",
        {
            "name": "weight",
            "type": "float",
            "unique": True,
            "generator": {"kind": "normal", "mean": 1, "sd": 1},
        },
    )
    assert "orders.weight: unique is not supported for generator 'normal'" in problems(data)


def test_every_problem_is_listed_at_once() -> None:
    data = with_change("tables.1.columns.1.generator", {"kind": "foreign_key", "ref": "nope.id"})
    data["tables"][1]["columns"][2]["generator"] = {"kind": "first_name"}
    text = problems(data)
    assert text.startswith("schema.yaml: 2 problem(s)")
    assert "orders.customer_id" in text and "orders.quantity" in text


def test_a_yaml_null_key_is_read_as_the_null_share(tmp_path: Path) -> None:
    path = tmp_path / "schema.yaml"
    path.write_text(
        "tables:\n"
        "  - name: t\n"
        "    rows: 5\n"
        "    columns:\n"
        "      - {name: note, type: str, null: 0.25, generator: {kind: text}}\n"
    )
    assert load_schema(path).table("t").columns[0].null == 0.25


def test_yaml_that_does_not_parse_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "schema.yaml"
    path.write_text("tables:\n  - name: [unclosed\n")
    with pytest.raises(SeedError, match=r"schema.yaml: line \d+, column \d+: not valid YAML"):
        load_schema(path)
