"""`seed --from`: the fixture extract (planted PII in known and unexpected columns) anonymised by
the seed step and written into sqlite and a real PostgreSQL: no planted value reaches the
database, the report or the run's events; joins survive; the report says what was done."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from actions.context import RunContext
from actions.errors import BackendUnavailable, UsageError
from actions.seed.config import SeedConfig
from actions.seed.extract import write_table
from actions.seed.step import SeedRequest, run
from storage import runs
from storage.store import Store
from tests.conftest import example_settings
from tests.postgres_server import create_database

EXTRACT = Path(__file__).parent.parent / "fixtures" / "seed" / "extract"
KEY = b"a-test-key-of-32-bytes-exactly!!"


def planted() -> list[str]:
    labels = json.loads((EXTRACT / "labels.json").read_text())
    return [str(v["value"]) for v in labels["values"]]


def seeding(
    tmp_path: Path,
    url: str,
    source: Path = EXTRACT,
    databases: dict[str, str] | None = None,
    **config: object,
) -> tuple:
    settings = example_settings(tmp_path)
    store = Store(tmp_path / "preprod.db")
    run_id = runs.create_run(store, verb="seed", command="seed local --from prod")
    ctx = RunContext(settings=settings, store=store, run_id=str(run_id), workdir=tmp_path)
    ctx.handlers.append(lambda e: runs.add_event(store, run_id, e.kind, e.message, e.step))
    request = SeedRequest(
        app="shop",
        databases=databases or {"warehouse": url},
        config=SeedConfig(**config),  # type: ignore[arg-type]
        source=str(source),
        key=KEY,
    )
    return run(request, ctx=ctx), runs.events_of(store, run_id)


def everything(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            rows = [r for n in names for r in conn.execute(sa.text(f'SELECT * FROM "{n}"'))]
    finally:
        engine.dispose()
    return "\n".join("|".join(str(c) for c in row) for row in rows)


def test_the_extract_lands_anonymised_and_no_planted_value_is_anywhere(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    result, events = seeding(tmp_path, url)
    assert result.status == "pass", result.summary
    stored = everything(url)
    said = result.model_dump_json() + "\n".join(e["message"] for e in events)
    leaked = [v for v in planted() if v in stored or v in said]
    assert leaked == []
    assert result.data["rows"]["customers"] > 0 and result.data["rows"]["orders"] > 0
    transformed = {(c["table"], c["column"]): c["how"] for c in result.data["columns"]}
    assert transformed[("customers", "email")].startswith("pseudonymised (email")
    assert transformed[("customers", "notes")].startswith("free text scrubbed")
    assert transformed[("orders", "quantity")] == "kept"
    assert any(m.name == "values_replaced" for m in result.measurements)


def test_joins_by_pseudonymised_email_and_by_id_survive_the_load(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    seeding(tmp_path, url)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        by_email = conn.execute(
            sa.text(
                "SELECT o.id, c.id FROM orders o JOIN customers c ON o.customer_email = c.email "
                "ORDER BY o.id"
            )
        ).all()
        by_id = conn.execute(
            sa.text(
                "SELECT o.id, c.id FROM orders o JOIN customers c ON o.customer_id = c.id "
                "ORDER BY o.id"
            )
        ).all()
    engine.dispose()
    assert by_email and by_email == by_id


def test_the_extract_loads_into_postgresql(tmp_path: Path, postgres_url: str) -> None:
    url = create_database(postgres_url, "warehouse")
    result, _ = seeding(tmp_path, url)
    assert result.status == "pass", result.summary
    stored = everything(url)
    assert [v for v in planted() if v in stored] == []
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        counted = conn.execute(sa.text("SELECT COUNT(*) FROM customers")).scalar_one()
    engine.dispose()
    assert counted == result.data["rows"]["customers"] > 0


def test_a_short_key_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    settings = example_settings(tmp_path)
    store = Store(tmp_path / "preprod.db")
    ctx = RunContext(settings=settings, store=store, run_id="1", workdir=tmp_path)
    request = SeedRequest(
        app="shop",
        databases={"warehouse": f"sqlite:///{tmp_path / 'w.db'}"},
        config=SeedConfig(),
        source=str(EXTRACT),
        key=b"short",
    )
    result = run(request, ctx=ctx)
    assert result.status == "error" and "PREPROD_SEED_KEY (16 bytes or more)" in result.summary
    assert not (tmp_path / "w.db").exists()


def test_a_dump_over_the_configured_bound_is_a_plain_error_and_loads_nothing(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    result, events = seeding(tmp_path, url, EXTRACT / "dump.sql", max_extract_mb=0.01)
    assert result.status == "error"
    assert "seed.max_extract_mb (0.01 MB)" in result.summary and "smaller extract" in result.summary
    assert not (tmp_path / "warehouse.db").exists()
    said = result.summary + "\n".join(e["message"] for e in events)
    assert [v for v in planted() if v in said] == []


def test_a_table_no_database_is_named_for_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    shop, crm = f"sqlite:///{tmp_path / 'shop.db'}", f"sqlite:///{tmp_path / 'crm.db'}"
    result, _ = seeding(
        tmp_path,
        shop,
        databases={"shop": shop, "crm": crm},
        tables={"customers": "crm", "orders": "shop", "products": "shop"},
    )
    assert result.status == "error"
    assert "which database gets the extract's table support_tickets?" in result.summary
    assert not (tmp_path / "shop.db").exists() and not (tmp_path / "crm.db").exists()


def test_the_report_says_per_column_what_was_detected_and_done(tmp_path: Path) -> None:
    result, events = seeding(tmp_path, f"sqlite:///{tmp_path / 'warehouse.db'}")
    [report] = [a for a in result.artifacts if a.name == "seed-report.md"]
    text = Path(report.path).read_text()
    assert "| customers.email | email | name and values |" in text
    assert "## k-anonymity of the quasi-identifiers" in text and "Time taken:" in text
    said = [e["message"] for e in events]
    assert any(m.startswith("customers.email: pseudonymised (email, keyed)") for m in said)
    assert {f.severity for f in result.findings} == {"info"}  # told, never filed as defects
    assert [v for v in planted() if v in text] == []


def test_a_csv_extract_streams_past_the_configured_bound(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    result, events = seeding(tmp_path, url, max_extract_mb=0.01)
    assert result.status == "pass", result.summary
    said = [e["message"] for e in events]
    assert (
        "orders: 120 rows anonymised" in said
        and "orders: 120 anonymised rows into warehouse" in said
    )


def test_a_table_that_fails_midway_keeps_the_rows_it_had(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    old = [{"id": "1", "email": "old@example.com"}, {"id": "2", "email": "older@example.com"}]
    assert write_table(url, "warehouse", "customers", ["id", "email"], [old]) == 2

    def failing() -> Iterator[list[dict[str, Any]]]:
        yield [{"id": str(i), "email": f"new{i}@example.com"} for i in range(10, 20)]
        raise UsageError("customers.csv, line 12: 3 cells for 2 columns")

    with pytest.raises(UsageError, match="line 12"):
        write_table(url, "warehouse", "customers", ["id", "email"], failing())
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, email FROM customers ORDER BY id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("1", "old@example.com"), ("2", "older@example.com")]


def test_a_table_that_fails_midway_keeps_its_rows_in_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    url = create_database(postgres_url, "rollback")
    old = [{"id": "1", "email": "old@example.com"}]
    write_table(url, "warehouse", "customers", ["id", "email"], [old])

    def failing() -> Iterator[list[dict[str, Any]]]:
        for start in range(0, 15000, 5000):
            yield [{"id": str(i), "email": f"n{i}@example.com"} for i in range(start, start + 5000)]
        raise BackendUnavailable("could not read the extract from sqlite:///prod.db: gone")

    with pytest.raises(BackendUnavailable):
        write_table(url, "warehouse", "customers", ["id", "email"], failing())
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, email FROM customers")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("1", "old@example.com")]
