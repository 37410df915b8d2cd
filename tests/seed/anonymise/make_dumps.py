"""The fixture extract as SQL dumps made by the real tools: `pg_dump` (COPY, and `--inserts`)
from a throwaway PostgreSQL, and sqlite3's `.dump` (see `make_extract`; needs Debian's
postgresql and sqlite3, run as root)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any

SQL_TYPES = {
    "id": "integer PRIMARY KEY",
    "customer_id": "integer REFERENCES customers(id)",
    "product_id": "integer REFERENCES products(id)",
    "quantity": "integer",
    "unit_price": "numeric(10,2)",
    "price": "numeric(10,2)",
    "birth_date": "date",
    "ordered_at": "timestamp without time zone",
    "opened_at": "timestamp without time zone",
}


def create_sql(tables: dict[str, list[dict[str, Any]]], *, sqlite: bool) -> list[str]:
    out = []
    for name, rows in tables.items():
        columns = []
        for c in rows[0]:
            kind = SQL_TYPES.get(c, "text")
            if sqlite and kind.startswith(("numeric", "date", "timestamp")):
                kind = "text"  # sqlite would turn "12.50" into 12.5
            columns.append(f"{c} {kind}")
        out.append(f"CREATE TABLE {name} ({', '.join(columns)});")
    return out


def make_dumps(tables: dict[str, list[dict[str, Any]]], out: Path) -> None:
    """dump.sql and dump_inserts.sql from a throwaway PostgreSQL, sqlite_dump.sql from sqlite3."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "shop.db"
        with sqlite3.connect(db) as conn:
            for statement in create_sql(tables, sqlite=True):
                conn.execute(statement)
            for name, rows in tables.items():
                marks = ", ".join("?" for _ in rows[0])
                conn.executemany(
                    f"INSERT INTO {name} VALUES ({marks})", [list(r.values()) for r in rows]
                )
        dump = subprocess.run(
            ["sqlite3", str(db), ".dump"], check=True, capture_output=True, text=True
        )
        (out / "sqlite_dump.sql").write_text(dump.stdout, encoding="utf-8")

        data = Path(tmp) / "pg"
        data.mkdir()
        shutil.chown(tmp, "postgres")
        shutil.chown(data, "postgres")
        pg = "/usr/lib/postgresql/15/bin"
        as_pg = ["runuser", "-u", "postgres", "--"]
        subprocess.run(
            [*as_pg, f"{pg}/initdb", "-D", str(data), "-A", "trust", "-U", "postgres"],
            check=True,
            capture_output=True,
        )
        options = f"-c listen_addresses='' -c unix_socket_directories={tmp}"
        log = str(Path(tmp) / "pg.log")  # the server must not hold our pipes open
        start = [f"{pg}/pg_ctl", "-D", str(data), "-o", options, "-l", log, "-w", "start"]
        subprocess.run([*as_pg, *start], check=True, stdout=subprocess.DEVNULL)
        try:
            sql = create_sql(tables, sqlite=False)
            for name, rows in tables.items():
                for row in rows:
                    values = ", ".join(
                        "NULL" if v is None else "'" + v.replace("'", "''") + "'"
                        for v in row.values()
                    )
                    sql.append(f"INSERT INTO {name} VALUES ({values});")
            psql = [
                *as_pg,
                f"{pg}/psql",
                "-h",
                tmp,
                "-U",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-q",
            ]
            subprocess.run([*psql, "-d", "postgres", "-c", "CREATE DATABASE shop"], check=True)
            subprocess.run([*psql, "-d", "shop"], input="\n".join(sql), text=True, check=True)
            dump_cmd = [*as_pg, f"{pg}/pg_dump", "-h", tmp, "-U", "postgres", "--no-owner", "shop"]
            for extra, file in (([], "dump.sql"), (["--inserts"], "dump_inserts.sql")):
                result = subprocess.run(
                    [*dump_cmd, *extra], check=True, capture_output=True, text=True
                )
                (out / file).write_text(result.stdout, encoding="utf-8")
        finally:
            subprocess.run(
                [*as_pg, f"{pg}/pg_ctl", "-D", str(data), "-m", "fast", "stop"], capture_output=True
            )
