"""`preprod data generate SCHEMA --out DIR` and `preprod data anonymise SOURCE --out DIR`: the
seeding tools without an environment, writing files (CSV or Parquet; anonymised extracts as CSV)."""

from __future__ import annotations

import csv
import os
import sys
import time
from pathlib import Path

from actions.errors import PreprodError
from actions.seed.anonymise.run import anonymise_extract
from actions.seed.anonymise.sources import MAX_EXTRACT_MB
from actions.seed.anonymise.table import Table
from actions.seed.generate import generate
from actions.seed.schema import load_schema
from actions.seed.sinks import csv_sink, parquet_sink, write_all

KEY_ENV = "PREPROD_SEED_KEY"


def generate_command(
    schema_path: str, out: str, *, fmt: str, scale: float, seed: int | None
) -> int:
    """Synthetic tables of a schema as files; exit 0, or 2 with a plain reason."""
    try:
        schema = load_schema(Path(schema_path))
        sink = parquet_sink(Path(out)) if fmt == "parquet" else csv_sink(Path(out))
        began = time.monotonic()
        counts = write_all(generate(schema, seed=seed, scale=scale), {"*": sink})
    except PreprodError as exc:
        print(f"preprod data generate: {exc}", file=sys.stderr)
        return 2
    seconds = time.monotonic() - began
    for table, rows in counts.items():
        print(f"{table}: {rows:,} rows → {Path(out) / f'{table}.{fmt}'}")
    total = sum(counts.values())
    print(f"{total:,} rows in {seconds:.2f}s ({total / max(seconds, 1e-6):,.0f} rows/s)")
    return 0


def anonymise_command(source: str, out: str, *, max_mb: float = MAX_EXTRACT_MB) -> int:
    """An extract anonymised into one CSV file per table; the key from PREPROD_SEED_KEY."""
    key = os.environ.get(KEY_ENV, "").encode()
    if len(key) < 16:
        print(f"preprod data anonymise: set {KEY_ENV} (16 bytes or more)", file=sys.stderr)
        return 2
    folder = Path(out)

    def write(table: Table) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"{table.name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=table.columns, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(table.rows)

    try:
        report = anonymise_extract(source, key, write, max_mb=max_mb)
    except (PreprodError, OSError) as exc:
        print(f"preprod data anonymise: {exc}", file=sys.stderr)
        return 2
    for action in report.transformed():
        print(
            f"{action.table}.{action.column}: {action.how} (detected as {action.kind} by "
            f"{action.by or 'rule'}, confidence {action.confidence:.2f})"
        )
    for table, k in report.kanon.items():
        print(f"{table}: k-anonymity {k.k} over {', '.join(k.quasi_identifiers)}")
    print(f"{sum(report.rows.values()):,} rows written to {folder} in {report.seconds:.2f}s")
    return 0
