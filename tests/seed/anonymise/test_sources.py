"""Reading extracts: CSV folders, SQL dumps (pg_dump COPY and INSERT, sqlite .dump), databases."""

from __future__ import annotations

import socket
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.errors import BackendUnavailable, UsageError
from actions.seed.anonymise import Table, anonymise, read_extract
from actions.seed.anonymise.sources import ExtractTooLarge, ReadBounds, open_extract
from actions.seed.anonymise.sqldump import read_dump
from tests.postgres_server import create_database
from tests.seed.anonymise.conftest import EXTRACT, KEY
from tests.seed.anonymise.make_dumps import create_sql

PLANTED = "ottilie.marchetti@gmail.com"


def as_rows(tables: dict[str, Table]) -> dict[str, tuple[list[str], list[dict[str, str | None]]]]:
    return {name: (t.columns, t.rows) for name, t in tables.items()}


@pytest.mark.parametrize("dump", ["dump.sql", "dump_inserts.sql", "sqlite_dump.sql"])
def test_a_sql_dump_gives_the_same_tables_as_the_csv_files(
    dump: str, extract: dict[str, Table]
) -> None:
    assert as_rows(read_extract(str(EXTRACT / dump))) == as_rows(extract)


def test_copy_blocks_unescape_tabs_newlines_backslashes_and_nulls() -> None:
    dump = (
        "\\restrict abc\n"
        "COPY public.notes (id, body, extra) FROM stdin;\n"
        "1\tline one\\nline two\\ttabbed \\\\ done\t\\N\n"
        "2\toctal \\101 hex \\x42\t\n"
        "\\.\n"
        "SELECT pg_catalog.setval('x', 1, true);\n"
    )
    rows = read_dump(dump)["notes"].rows
    assert rows == [
        {"id": "1", "body": "line one\nline two\ttabbed \\ done", "extra": None},
        {"id": "2", "body": "octal A hex B", "extra": ""},
    ]


def test_inserts_take_their_columns_from_the_create_table_when_they_name_none() -> None:
    dump = (
        'CREATE TABLE "Shop"."People" (id integer NOT NULL, "Full Name" text, note text,'
        " CONSTRAINT pk PRIMARY KEY (id));\n"
        "INSERT INTO \"Shop\".\"People\" VALUES (1, 'O''Brien', NULL), (-2, E'a\\nb', 'x;y');\n"
        "INSERT INTO people2 (a, b) VALUES (TRUE, '2024-01-01'::date);\n"
    )
    tables = read_dump(dump)
    assert tables["People"].columns == ["id", "Full Name", "note"]
    assert tables["People"].rows == [
        {"id": "1", "Full Name": "O'Brien", "note": None},
        {"id": "-2", "Full Name": "a\nb", "note": "x;y"},
    ]
    assert tables["people2"].rows == [{"a": "true", "b": "2024-01-01"}]


def test_sqlite_dumps_write_control_characters_with_replace_char_and_unistr() -> None:
    dump = (
        "CREATE TABLE t(a);\n"
        "INSERT INTO t VALUES(replace('one\\ntwo','\\n',char(10)));\n"
        "INSERT INTO t VALUES(unistr('tab\\0009end \\\\ \\+01F600'));\n"  # sqlite 3.44+
    )
    assert read_dump(dump)["t"].rows == [{"a": "one\ntwo"}, {"a": "tab\tend \\ \U0001f600"}]


@pytest.mark.parametrize(
    "dump",
    [
        f"CREATE TABLE t (a text);\nINSERT INTO t VALUES ('{PLANTED}', ",
        f"CREATE TABLE t (a text);\nINSERT INTO t VALUES (lower('{PLANTED}'));",
        f"CREATE TABLE t (a text);\nINSERT INTO t VALUES ('{PLANTED}', 'two');",
        f"COPY t (a) FROM stdin;\n{PLANTED}\textra\n\\.\n",
        f"CREATE TABLE t (a text);\nINSERT INTO t VALUES (char('{PLANTED}'));",
    ],
)
def test_a_dump_that_cannot_be_read_says_where_without_showing_values(dump: str) -> None:
    with pytest.raises(UsageError) as error:
        read_dump(dump)
    assert PLANTED not in str(error.value)


def test_a_csv_with_a_broken_row_says_which_line_without_showing_it(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text(f"id,email\n1,a@b.io\n2,{PLANTED},extra\n")
    with pytest.raises(UsageError, match=r"people\.csv, line 3: 3 cells for 2 columns") as error:
        read_extract(str(tmp_path))
    assert PLANTED not in str(error.value)


def test_a_csv_that_is_not_utf8_is_refused_plainly(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_bytes(f"id,name\n1,{PLANTED}\n2,Ren\xe9e\n".encode("latin-1"))
    with pytest.raises(UsageError, match=r"people\.csv is not UTF-8 text") as error:
        read_extract(str(tmp_path))
    assert PLANTED not in str(error.value) and error.value.__cause__ is None


def test_a_database_url_reads_the_tables_it_names(
    tmp_path: Path, extract: dict[str, Table]
) -> None:
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.executescript((EXTRACT / "sqlite_dump.sql").read_text())
    conn.close()
    tables = read_extract(f"sqlite:///{db}?tables=customers,orders")
    assert list(tables) == ["customers", "orders"]
    assert as_rows(tables) == {n: as_rows(extract)[n] for n in ("customers", "orders")}
    assert set(read_extract(f"sqlite:///{db}")) == set(extract)
    with pytest.raises(UsageError, match="has no table invoices"):
        read_extract(f"sqlite:///{db}?tables=customers,invoices")


def test_a_sqlite_source_that_does_not_exist_is_refused_and_not_created(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"there is no sqlite database at .*prod\.db"):
        read_extract(f"sqlite:///{tmp_path / 'prod.db'}")
    assert not (tmp_path / "prod.db").exists()


def test_a_database_without_tables_is_a_plain_error(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "empty.db").close()
    with pytest.raises(UsageError, match="has no tables"):
        read_extract(f"sqlite:///{tmp_path / 'empty.db'}")


def test_a_file_that_is_no_database_gives_a_plain_error_without_its_content(tmp_path: Path) -> None:
    not_db = tmp_path / "notes.db"
    not_db.write_text(f"{PLANTED}\n" * 200)
    with pytest.raises(BackendUnavailable, match="could not read the extract") as error:
        read_extract(f"sqlite:///{not_db}")
    assert PLANTED not in str(error.value) and error.value.__cause__ is None


def test_an_unreachable_database_fails_fast_with_its_password_hidden() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://shop:s3cret-pw@127.0.0.1:{port}/shop"
    with pytest.raises(BackendUnavailable) as error:
        read_extract(url, ReadBounds(timeout=3))
    assert "s3cret-pw" not in str(error.value) and "***" in str(error.value)


def test_a_postgresql_read_that_hangs_is_cut_off_by_the_statement_timeout(
    postgres_url: str,
) -> None:
    url = create_database(postgres_url, "locked")
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as setup:
        setup.execute("CREATE TABLE customers (id int, email text)")
        setup.execute(f"INSERT INTO customers VALUES (1, '{PLANTED}')")
    with psycopg.connect(dsn) as migration:  # holds the table while a "migration" runs
        migration.execute("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        with pytest.raises(BackendUnavailable, match="statement timeout") as error:
            read_extract(f"{url}?tables=customers", ReadBounds(statement_timeout=1.0))
        assert time.monotonic() - started < 30  # not until the lock goes
        migration.rollback()
    assert PLANTED not in str(error.value)
    assert read_extract(f"{url}?tables=customers")["customers"].rows[0]["email"] == PLANTED


def test_a_dump_larger_than_the_bound_is_refused_before_it_is_read() -> None:
    size_mb = (EXTRACT / "dump.sql").stat().st_size / 2**20
    with pytest.raises(ExtractTooLarge, match=r"seed\.max_extract_mb \(0\.001 MB\)") as error:
        read_extract(str(EXTRACT / "dump.sql"), ReadBounds(max_mb=0.001))
    assert f"is {size_mb:,.0f} MB" in str(error.value)
    assert PLANTED not in str(error.value)
    assert read_extract(str(EXTRACT / "dump.sql"), ReadBounds(max_mb=1))  # under the bound: read


@pytest.mark.parametrize("source", ["", "customers.csv"])
def test_csv_files_are_streamed_whatever_their_size(source: str) -> None:
    with open_extract(str(EXTRACT / source), ReadBounds(max_mb=0.001)) as tables:
        customers = next(t for t in tables if t.name == "customers")
        sizes = [len(chunk) for chunk in customers.chunks(10)]
        again = [row for chunk in customers.chunks(100) for row in chunk]
    assert sizes == [10, 10, 10, 10, 5]
    assert again == read_extract(str(EXTRACT / "customers.csv"))["customers"].rows


def notes_db(path: Path, rows: int = 3000) -> str:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE notes (id INTEGER, body TEXT)")
        conn.executemany("INSERT INTO notes VALUES (?, ?)", ((i, "x" * 1000) for i in range(rows)))
    return f"sqlite:///{path}"


def test_a_database_is_read_in_chunks_whatever_its_size(tmp_path: Path) -> None:
    with open_extract(notes_db(tmp_path / "big.db"), ReadBounds(max_mb=1)) as [notes]:
        first = notes.chunks(500)
        assert [r["id"] for r in next(first)] == [str(i) for i in range(500)]
        first.close()  # a pass stopped midway: its cursor is closed, the table read again
        sizes = [len(chunk) for chunk in notes.chunks(500)]
    assert sizes == [500] * 6


def test_a_postgresql_extract_is_read_in_chunks_from_one_snapshot(postgres_url: str) -> None:
    url = create_database(postgres_url, "big")
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as setup:
        setup.execute("CREATE TABLE notes (id int, body text)")
        setup.execute(
            "INSERT INTO notes SELECT i, repeat('y', 1000) FROM generate_series(1, 3000) i"
        )
        with open_extract(url, ReadBounds(max_mb=1)) as [notes]:
            sizes = [len(chunk) for chunk in notes.chunks(1000)]
            setup.execute("INSERT INTO notes VALUES (3001, 'added while the extract is read')")
            again = sum(len(chunk) for chunk in notes.chunks(1000))
    assert sizes == [1000, 1000, 1000] and again == 3000  # every pass sees the same rows
    assert len(read_extract(url)["notes"].rows) == 3001


def test_a_database_that_fails_midway_says_so_plainly(tmp_path: Path) -> None:
    url = notes_db(tmp_path / "big.db")
    with open_extract(url) as [notes]:
        assert sum(len(chunk) for chunk in notes.chunks(500)) == 3000
        with closing(sqlite3.connect(tmp_path / "big.db")) as other:
            other.execute("DROP TABLE notes")  # gone between two passes
        with pytest.raises(BackendUnavailable, match="could not read the extract") as error:
            next(notes.chunks(500))
    assert "x" * 20 not in str(error.value) and error.value.__cause__ is None


def test_a_source_that_is_nothing_readable_says_what_is_accepted(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"folder of CSV files, a \.sql dump or a database URL"):
        read_extract(str(tmp_path / "missing"))
    with pytest.raises(UsageError, match="no CSV files"):
        read_extract(str(tmp_path))


def copy_field(value: str | None) -> str:
    if value is None:
        return "\\N"
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def literal(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


@given(st.lists(st.tuples(st.none() | st.text(), st.none() | st.text()), max_size=5))
def test_any_text_comes_back_from_copy_and_insert_as_it_went_in(rows: list[tuple]) -> None:
    copy = "".join(f"{copy_field(a)}\t{copy_field(b)}\n" for a, b in rows)
    inserts = "".join(
        f"INSERT INTO t (a, b) VALUES ({literal(a)}, {literal(b)});\n" for a, b in rows
    )
    expected = [{"a": a, "b": b} for a, b in rows]
    dump = f"COPY public.t (a, b) FROM stdin;\n{copy}\\.\n\n"
    assert read_dump(dump).get("t", Table("t", [])).rows == expected
    assert read_dump(inserts).get("t", Table("t", [])).rows == expected


def test_a_postgresql_extract_reads_as_the_csv_files_and_anonymises_alike(
    extract: dict[str, Table], postgres_url: str
) -> None:
    url = create_database(postgres_url, "prod")
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    order = ["customers", "products", "orders", "support_tickets"]
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        for statement in create_sql(
            {n: [dict.fromkeys(extract[n].columns)] for n in order}, sqlite=False
        ):
            conn.execute(statement)
        for name in order:
            with conn.cursor().copy(f"COPY {name} FROM STDIN (FORMAT csv, HEADER true)") as copy:
                copy.write((EXTRACT / f"{name}.csv").read_bytes())
    tables = read_extract(f"{url}?tables=customers,orders,products,support_tickets")
    assert as_rows(tables) == as_rows(extract)  # numeric, date and timestamp printed as in CSV
    from_db, _ = anonymise(tables, KEY)
    from_csv, _ = anonymise(extract, KEY)
    assert as_rows(from_db) == as_rows(from_csv)
