"""The fixture extract, its labels, and one anonymisation of it shared by a test module."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from actions.seed.anonymise import AnonymisationReport, Table, anonymise, read_extract

EXTRACT = Path(__file__).resolve().parents[2] / "fixtures" / "seed" / "extract"
KEY = b"test-key-0123456789abcdef-000001"
OTHER_KEY = b"test-key-0123456789abcdef-000002"


@pytest.fixture(scope="session")
def labels() -> dict[str, Any]:
    return json.loads((EXTRACT / "labels.json").read_text(encoding="utf-8"))


@pytest.fixture
def extract() -> dict[str, Table]:
    return read_extract(str(EXTRACT))


@pytest.fixture(scope="module")
def anonymised() -> tuple[dict[str, Table], dict[str, Table], AnonymisationReport]:
    """(raw tables, anonymised tables, report) with the test key and default settings."""
    raw = read_extract(str(EXTRACT))
    out, report = anonymise(raw, KEY)
    return raw, out, report


def cells(tables: dict[str, Table]) -> list[str]:
    """Every non-null cell of every table."""
    return [v for t in tables.values() for row in t.rows for v in row.values() if v is not None]
