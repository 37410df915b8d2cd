"""Anonymising an extract: streamed (chunks of 5,000 rows) against read whole into memory.

A generated CSV extract: `customers` (each row distinct: email, phone, first and last name,
birth date, postcode, city, a free-text note naming the customer and their email) and `orders`
(ten per customer, referring to them by id and by email). Each way runs in a fresh subprocess,
so its peak resident set size (VmHWM) is its own; the size after the imports is shown too.

- streamed: `preprod data anonymise SOURCE --out DIR` (`bot.data_cli.anonymise_command`),
  writing one CSV file per table chunk by chunk;
- whole: `anonymise(read_extract(SOURCE), key)` (the in-memory API: every table read, then
  anonymised, into memory) and nothing written.

Run: `python -m benchmarks anonymising` (or `./dev bench anonymising`); `ANONYMISING_CUSTOMERS`
sets the size (default 50,000 customers, 550,000 rows in all).
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KEY = "a-benchmark-key-of-32-bytes-long"
FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elif", "Femi", "Grace", "Hiro", "Ines", "Jonas"]
LAST = ["Okafor", "Smith", "Novak", "Larsen", "Ito", "Moreau", "Silva", "Khan", "Rossi", "Berg"]
CITIES = ["Leeds", "York", "Bristol", "Cardiff", "Derby"]
COLUMNS = ["id", "first_name", "last_name", "email", "phone", "birth_date", "postcode", "city"]
COLUMNS += ["notes", "status"]


def write_extract(folder: Path, customers: int, seed: int = 1) -> int:
    """The extract's CSV files; rows written."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    emails = []
    with (folder / "customers.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        for i in range(customers):
            first, last = rng.choice(FIRST), f"{rng.choice(LAST)}{i}"
            email = f"{first.lower()}.{last.lower()}@mail{i % 97}.test"
            emails.append(email)
            phone = f"+44 7{rng.randrange(10**3):03d} {rng.randrange(10**6):06d}"
            born = (
                f"{rng.randrange(1940, 2005)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
            )
            postcode = f"LS{rng.randrange(1, 30)} {rng.randrange(10)}{rng.choice('ABDEFGH')}Q"
            note = f"Called {first} {last} back; invoices to {email}" if i % 3 == 0 else ""
            row = [i, first, last, email, phone, born, postcode, rng.choice(CITIES), note, "active"]
            out.writerow(row)
    with (folder / "orders.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["id", "customer_id", "customer_email", "amount", "status", "ordered_at"])
        for i in range(10 * customers):
            c = rng.randrange(customers)
            when = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00"
            out.writerow([i, c, emails[c], rng.randrange(1, 999), "paid", when])
    return 11 * customers


# The process's own peak RSS in kB (getrusage's maxrss starts from the parent's under Linux).
_HWM = "int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])"


def _run(code: str) -> dict[str, float]:
    """Runs `code` in a fresh Python; its seconds and peak RSS (MB), and the RSS after imports."""
    probe = (
        "import time\n"
        "import bot.data_cli\n"
        "from actions.seed.anonymise import anonymise, read_extract\n"
        f"def peak(): return {_HWM}\n"
        "imported = peak()\n"
        "began = time.perf_counter()\n"
        f"{code}\n"
        "seconds = time.perf_counter() - began\n"
        "print(seconds, imported / 1024, peak() / 1024)\n"
    )
    env = {**os.environ, "PREPROD_SEED_KEY": KEY}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=env, check=True
    )
    seconds, imported, peak = map(float, done.stdout.split()[-3:])
    return {
        "seconds": round(seconds, 2),
        "rss_after_imports_mb": round(imported),
        "peak_rss_mb": round(peak),
    }


def main() -> dict[str, Any]:
    customers = int(os.environ.get("ANONYMISING_CUSTOMERS", "50000"))
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "extract", Path(tmp) / "out"
        began = time.perf_counter()
        rows = write_extract(source, customers)
        size_mb = sum(f.stat().st_size for f in source.glob("*.csv")) / 2**20
        print(
            f"extract: {rows:,} rows, {size_mb:,.0f} MB of CSV ({time.perf_counter() - began:.1f}s)"
        )
        streamed = f"bot.data_cli.anonymise_command({str(source)!r}, {str(out)!r})"
        ways = {
            "streamed": f"assert {streamed} == 0",
            "whole": f"anonymise(read_extract({str(source)!r}), {KEY.encode()!r})",
        }
        figures: dict[str, Any] = {"rows": rows, "csv_mb": round(size_mb, 1)}
        for name, code in ways.items():
            measured = _run(code)
            measured["rows_per_s"] = round(rows / measured["seconds"])
            figures[name] = measured
            rate, peak = measured["rows_per_s"], measured["peak_rss_mb"]
            after = measured["rss_after_imports_mb"]
            print(
                f"  {name:<9} {rate:>8,} rows/s  peak RSS {peak:>6,} MB ({after} MB after imports)"
            )
    return figures


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
