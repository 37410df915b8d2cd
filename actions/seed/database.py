"""Loading generated rows into a database by SQLAlchemy URL: sqlite, or PostgreSQL by COPY.

The sink creates the schema's tables of one database when they are missing (and adds missing
nullable columns to tables an application created), and then empties them (when `replace`) and
writes every batch in one transaction, committed when the sink is closed after the last batch:
a load that fails midway leaves the rows the database had before. sqlite is written by
`executemany`, PostgreSQL by psycopg 3's `COPY ... FROM STDIN`. sqlite keeps dates and times
as ISO 8601 text (UTC, `+00:00`), as the shop's services do. Errors name the database by host
and port (or file), never a password.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from actions.seed.checks import table_order
from actions.seed.generate import TableBatch
from actions.seed.schema import Column, SeedError, SeedSchema, Table
from actions.seed.specs import ForeignKey

if TYPE_CHECKING:
    from actions.seed.sinks import Sink

CONNECT_TIMEOUT_S = 10
STATEMENT_TIMEOUT_S = 300


def _sql_type(column: Column) -> Any:
    return {
        "int": sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        "float": sa.Float(),
        "str": sa.Text(),
        "bool": sa.Boolean(),
        "date": sa.Date().with_variant(sa.Text(), "sqlite"),
        "datetime": sa.DateTime(timezone=True).with_variant(sa.Text(), "sqlite"),
    }[column.type]


def _tables(schema: SeedSchema, database: str) -> tuple[sa.MetaData, list[sa.Table]]:
    metadata = sa.MetaData()
    mine = [t for t in table_order(schema) if t.database == database]
    names = {t.name for t in mine}
    return metadata, [_table(metadata, t, names) for t in mine]


def _table(metadata: sa.MetaData, table: Table, here: set[str]) -> sa.Table:
    columns = []
    for column in table.columns:
        spec = column.generator
        refs = []
        if isinstance(spec, ForeignKey) and spec.ref.split(".")[0] in here:
            refs.append(sa.ForeignKey(spec.ref))  # enforced where the database enforces them
        columns.append(
            sa.Column(
                column.name,
                _sql_type(column),
                *refs,
                primary_key=column.primary_key,
                nullable=column.allows_null and not column.primary_key,
                unique=column.unique and not column.primary_key,
            )
        )
    return sa.Table(table.name, metadata, *columns)


def where_of(url: sa.URL) -> str:
    if url.get_backend_name() == "sqlite":
        return url.database or "memory"
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def reason_of(exc: BaseException, url: sa.URL) -> str:
    """The driver's first line (details may quote values), without the password."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line.replace(url.password, "***") if url.password else line


def parse_url(url: str, database: str) -> sa.URL:
    """A SQLAlchemy URL (a bare `postgresql://` goes through psycopg 3)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SeedError(f"the {database} database: not a SQLAlchemy URL") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def engine_for(url: sa.URL, where: str) -> Engine:
    """An engine with bounded connect (and PostgreSQL statement) times; sqlite or PostgreSQL."""
    if url.get_backend_name() == "postgresql":
        args: dict[str, Any] = {
            "connect_timeout": CONNECT_TIMEOUT_S,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_S * 1000}",
        }
    elif url.get_backend_name() == "sqlite":
        args = {"timeout": CONNECT_TIMEOUT_S}
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    else:
        raise SeedError(f"{where}: only sqlite and PostgreSQL URLs are supported")
    try:
        return sa.create_engine(url, connect_args=args)
    except (ArgumentError, ImportError) as exc:
        raise SeedError(f"{where}: {reason_of(exc, url)}") from None


class DatabaseSink:
    """Rows of one database of a schema, written through SQLAlchemy Core."""

    def __init__(self, url: str, schema: SeedSchema, database: str, *, replace: bool) -> None:
        parsed = parse_url(url, database)
        self.url, self.database = parsed, database
        self.where = f"the {database} database at {where_of(parsed)}"
        self.postgres = parsed.get_backend_name() == "postgresql"
        self.metadata, tables = _tables(schema, database)
        self.tables = {t.name: t for t in tables}
        self.engine = self._engine()
        try:
            with self.engine.begin() as conn:
                self.metadata.create_all(conn, checkfirst=True)
                self._add_missing_columns(conn)
            self.conn = self.engine.connect()
            self.transaction = self.conn.begin()  # the whole load: committed by close()
            if replace:
                for table in reversed(tables):  # children first
                    self.conn.execute(table.delete())
        except (SQLAlchemyError, SeedError) as exc:
            self.engine.dispose()
            if isinstance(exc, SeedError):
                raise
            raise SeedError(f"{self.where}: {reason_of(exc, parsed)}") from None

    def _engine(self) -> Engine:
        return engine_for(self.url, self.where)

    def _add_missing_columns(self, conn: Connection) -> None:
        """Columns the schema adds to a table an application made (nullable ones only)."""
        inspector = sa.inspect(conn)
        for table in self.tables.values():
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                if not column.nullable:
                    raise SeedError(
                        f"{self.where}: table {table.name} exists without column {column.name},"
                        " which is not nullable: add it, or drop the table"
                    )
                kind = column.type.compile(dialect=conn.dialect)
                quote = conn.dialect.identifier_preparer.quote
                conn.exec_driver_sql(
                    f"ALTER TABLE {quote(table.name)} ADD COLUMN {quote(column.name)} {kind}"
                )

    def write(self, batch: TableBatch) -> None:
        """Insert one batch (in the load's transaction)."""
        table = self.tables[batch.table]
        names = list(batch.columns)
        rows = list(zip(*(batch.values(n) for n in names), strict=True))
        if not rows:
            return
        conn = self.conn
        try:
            if self.postgres:
                self._copy(conn, table, names, rows)
            else:
                quote = conn.dialect.identifier_preparer.quote
                columns = ", ".join(quote(n) for n in names)
                marks = ", ".join("?" for _ in names)
                conn.exec_driver_sql(
                    f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})", rows
                )
        except (DBAPIError, self.engine.dialect.loaded_dbapi.Error) as exc:  # COPY: the driver's
            raise SeedError(
                f"{self.where}: writing {batch.table}: {reason_of(exc, self.url)}"
            ) from None

    def _copy(self, conn: Connection, table: sa.Table, names: list[str], rows: list[Any]) -> None:
        quote = conn.dialect.identifier_preparer.quote
        columns = ", ".join(quote(n) for n in names)
        driver = conn.connection.driver_connection
        assert driver is not None
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {quote(table.name)} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def close(self, ok: bool = True) -> None:
        """Commit the load (PostgreSQL id sequences moved past the loaded keys first), or, when
        not `ok`, roll it back; then release the connections."""
        try:
            if not ok:
                self.transaction.rollback()
                return
            if self.postgres:
                for table in self.tables.values():
                    self._advance_sequence(self.conn, table)
            self.transaction.commit()
        except DBAPIError as exc:
            raise SeedError(f"{self.where}: {reason_of(exc, self.url)}") from None
        finally:
            self.conn.close()
            self.engine.dispose()

    @staticmethod
    def _advance_sequence(conn: Connection, table: sa.Table) -> None:
        keys = list(table.primary_key.columns)
        if len(keys) != 1:
            return
        quote = conn.dialect.identifier_preparer.quote
        table_name, key = quote(table.name), quote(keys[0].name)
        sequence = conn.execute(
            sa.text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table_name, "c": keys[0].name}
        ).scalar()
        if sequence:
            conn.execute(
                sa.text(f"SELECT setval(:s, (SELECT max({key}) FROM {table_name}))"),
                {"s": sequence},
            )


def database_sink(url: str, schema: SeedSchema, database: str, *, replace: bool = True) -> Sink:
    """A sink for the tables of `database` in the schema, at the SQLAlchemy `url`."""
    return DatabaseSink(url, schema, database, replace=replace)
