"""`preprod data generate SCHEMA --out DIR` and `preprod data anonymise SOURCE --out DIR`: the
seeding tools without an environment, writing files (CSV or Parquet; anonymised extracts as CSV)."""

from __future__ import annotations

import csv
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from actions.errors import PreprodError
from actions.seed.anonymise.run import anonymise_extract
from actions.seed.anonymise.sources import MAX_EXTRACT_MB
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
    """An extract anonymised into one CSV file per table, each written a chunk at a time; the
    key from PREPROD_SEED_KEY. A run that fails leaves no file of its own (nor the folder, if
    it made it) and the files it would have replaced as they were."""
    key = os.environ.get(KEY_ENV, "").encode()
    if len(key) < 16:
        print(f"preprod data anonymise: set {KEY_ENV} (16 bytes or more)", file=sys.stderr)
        return 2
    files = _CsvFiles(Path(out))
    try:
        report = anonymise_extract(source, key, files.write, max_mb=max_mb, progress=files.say)
        files.finish()
    except (PreprodError, OSError) as exc:
        files.discard()
        print(f"preprod data anonymise: {exc}", file=sys.stderr)
        return 2
    except BaseException:
        files.discard()
        raise
    for action in report.transformed():
        print(
            f"{action.table}.{action.column}: {action.how} (detected as {action.kind} by "
            f"{action.by or 'rule'}, confidence {action.confidence:.2f})"
        )
    for table, k in report.kanon.items():
        print(f"{table}: k-anonymity {k.k} over {', '.join(k.quasi_identifiers)}")
    print(f"{sum(report.rows.values()):,} rows written to {files.folder} in {report.seconds:.2f}s")
    return 0


class _CsvFiles:
    """Each table written to `TABLE.csv.part` as its chunks come, renamed to `TABLE.csv` once
    the whole extract is done; removed (with the folder, if made here) when it fails."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made_folder = False
        self.parts: list[Path] = []

    def write(self, name: str, columns: list[str], chunks: Iterable[list[dict[str, Any]]]) -> None:
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True)
            self.made_folder = True
        part = self.folder / f"{name}.csv.part"
        with part.open("w", encoding="utf-8", newline="") as handle:
            self.parts.append(part)  # opened: a file of this run
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\r\n")
            writer.writeheader()
            for chunk in chunks:
                writer.writerows(chunk)

    def say(self, message: str) -> None:
        if message.endswith("rows anonymised"):  # names and counts only
            print(message, file=sys.stderr)

    def finish(self) -> None:
        for part in self.parts:
            part.replace(part.with_suffix(""))

    def discard(self) -> None:
        for part in self.parts:
            part.unlink(missing_ok=True)
        if self.made_folder and not any(self.folder.iterdir()):
            self.folder.rmdir()
