"""`preprod data generate` and `preprod data anonymise`: the seeding tools that write files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bot.data_cli import anonymise_command, generate_command

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "examples" / "shop" / "data" / "schema.yaml"
EXTRACT = ROOT / "tests" / "fixtures" / "seed" / "extract"


def test_generate_writes_one_parquet_file_per_table(tmp_path: Path, capsys) -> None:
    assert generate_command(str(SCHEMA), str(tmp_path), fmt="parquet", scale=0.05, seed=1) == 0
    products = pq.read_table(tmp_path / "products.parquet")
    assert products.num_rows == 100 and "price" in products.column_names
    assert "products: 100 rows" in capsys.readouterr().out


def test_generate_says_what_is_wrong_with_a_schema(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ntables: [{name: t, rows: 3, columns: [{name: a, type: int, "
                   "generator: {kind: nope}}]}]\n")  # fmt: skip
    assert generate_command(str(bad), str(tmp_path / "out"), fmt="csv", scale=1, seed=None) == 2
    assert "nope" in capsys.readouterr().err


def test_anonymise_needs_the_key_and_writes_no_planted_value(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert anonymise_command(str(EXTRACT), str(tmp_path)) == 2
    assert "PREPROD_SEED_KEY" in capsys.readouterr().err
    monkeypatch.setenv("PREPROD_SEED_KEY", "a-key-for-the-data-cli-test")
    assert anonymise_command(str(EXTRACT / "dump.sql"), str(tmp_path)) == 0
    said = capsys.readouterr().out
    written = "\n".join(p.read_text() for p in tmp_path.glob("*.csv"))
    values = [v["value"] for v in json.loads((EXTRACT / "labels.json").read_text())["values"]]
    assert [v for v in values if v in written or v in said] == []
    with (tmp_path / "customers.csv").open(newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 45
    assert "customers.email: pseudonymised (email, keyed)" in said


def test_anonymise_refuses_an_extract_over_max_mb(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREPROD_SEED_KEY", "a-key-for-the-data-cli-test")
    dump = str(EXTRACT / "dump.sql")
    assert anonymise_command(dump, str(tmp_path / "out"), max_mb=0.001) == 2
    said = capsys.readouterr()
    assert said.out == "" and "seed.max_extract_mb (0.001 MB)" in said.err
    assert not (tmp_path / "out").exists()


def test_a_csv_extract_is_not_bounded_by_max_mb(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREPROD_SEED_KEY", "a-key-for-the-data-cli-test")
    assert anonymise_command(str(EXTRACT), str(tmp_path / "out"), max_mb=0.001) == 0
    assert "orders: 120 rows anonymised" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "customers.csv",
        "orders.csv",
        "products.csv",
        "support_tickets.csv",
    ]


def test_a_run_that_fails_midway_removes_its_files_and_keeps_the_old_ones(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREPROD_SEED_KEY", "a-key-for-the-data-cli-test")
    out = tmp_path / "out"
    out.mkdir()
    (out / "customers.csv").write_text("from an earlier run\n")
    (out / "orders.csv.part").mkdir()  # orders cannot be written: customers is already done
    assert anonymise_command(str(EXTRACT), str(out)) == 2
    assert "orders.csv.part" in capsys.readouterr().err
    assert (out / "customers.csv").read_text() == "from an earlier run\n"
    assert sorted(p.name for p in out.iterdir()) == ["customers.csv", "orders.csv.part"]
