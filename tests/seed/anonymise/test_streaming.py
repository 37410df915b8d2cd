"""Extracts are anonymised a chunk at a time: memory does not grow with the rows read, the
sink gets each table chunk by chunk, and the result is what anonymising in memory gives."""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from actions.seed.anonymise import Table, anonymise, anonymise_extract, read_extract
from tests.seed.anonymise.conftest import EXTRACT, KEY

CUSTOMERS, ORDERS = 5_000, 300_000
ROOT = Path(__file__).resolve().parents[3]


def write_extract(folder: Path) -> None:
    """customers (email, phone) and orders that refer to them by id and by email."""
    rng = random.Random(7)
    folder.mkdir()
    emails = [
        f"{rng.choice('abcdefgh')}{i}.{rng.randrange(10**6)}@mail.test" for i in range(CUSTOMERS)
    ]
    with (folder / "customers.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["id", "email", "phone", "plan"])
        for i, email in enumerate(emails):
            phone = f"+44 20 {rng.randrange(10**4):04d} {rng.randrange(10**4):04d}"
            out.writerow([i, email, phone, rng.choice(["free", "pro", "team"])])
    with (folder / "orders.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["id", "customer_id", "customer_email", "amount", "status", "ordered_at"])
        for i in range(ORDERS):
            c = rng.randrange(CUSTOMERS)
            when = f"2025-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00"
            out.writerow(
                [i, c, emails[c], rng.randrange(1, 999), rng.choice(["paid", "sent"]), when]
            )


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def peak_rss_mb(code: str, **env: str) -> float:
    """The peak RSS of a fresh Python process that runs `code`, in MB: its VmHWM (getrusage's
    maxrss would start from this test process's, as Linux keeps it across fork and exec)."""
    probe = (
        f"{code}\n"
        "status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
        "print(int(status.split()[0]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
    )
    return int(done.stdout.split()[-1]) / 1024


def test_a_large_extract_is_anonymised_in_memory_bounded_by_the_chunk(tmp_path: Path) -> None:
    source, out = tmp_path / "extract", tmp_path / "out"
    write_extract(source)
    imports = "from actions.seed.anonymise import read_extract\nimport bot.data_cli\n"
    started = peak_rss_mb(imports)
    whole = peak_rss_mb(imports + f"tables = read_extract({str(source)!r})")
    streamed = peak_rss_mb(
        imports + f"assert bot.data_cli.anonymise_command({str(source)!r}, {str(out)!r}) == 0",
        PREPROD_SEED_KEY=KEY.decode(),
    )
    # The whole orders table alone takes about 180 MB; streaming holds a chunk, the samples,
    # the digests of the key-like values and a bounded cache of pseudonyms.
    assert whole - started > 100, (started, whole)
    assert (streamed - started) * 5 < whole - started, (started, streamed, whole)
    customers, orders = read_csv(out / "customers.csv"), read_csv(out / "orders.csv")
    raw = {r["id"]: r["email"] for r in read_csv(source / "customers.csv")}
    email_of = {r["id"]: r["email"] for r in customers}
    assert len(customers) == CUSTOMERS and len(orders) == ORDERS
    assert all(r["customer_email"] == email_of[r["customer_id"]] for r in orders)
    assert not set(email_of.values()) & set(raw.values())  # every email replaced


def test_anonymising_by_chunks_gives_what_anonymising_whole_tables_gives() -> None:
    whole, whole_report = anonymise(read_extract(str(EXTRACT)), KEY)
    received: dict[str, Table] = {}
    sizes: list[int] = []

    def collect(name: str, columns: list[str], chunks: Iterator[list[dict[str, Any]]]) -> None:
        rows = []
        for chunk in chunks:
            sizes.append(len(chunk))
            rows += chunk
        received[name] = Table(name, columns, rows)

    report = anonymise_extract(str(EXTRACT), KEY, collect, chunk_rows=7)
    assert max(sizes) == 7 and len(sizes) > len(received)
    assert {n: (t.columns, t.rows) for n, t in received.items()} == {
        n: (t.columns, t.rows) for n, t in whole.items()
    }
    assert report.kanon == whole_report.kanon and report.actions == whole_report.actions
