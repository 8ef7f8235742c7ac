"""Many rows into one table through the driver: the append's hot inserts.

SQLAlchemy Core builds and binds a parameter dictionary per row through its type system; for the
log, the reports and the Merkle subtrees that cost as much as the database's own work. A
`RowInsert` renders its statement once per dialect and hands the driver plain tuples: one
`executemany` on SQLite, and on PostgreSQL one `INSERT ... SELECT FROM unnest(...)` with a typed
array per column, a single statement (and round trip) however many rows. It still runs through
the SQLAlchemy connection, so the append's transaction and the error translation are the usual
ones. Values arrive as the database takes them: JSON columns as text already encoded (the
append encodes each event once), times through `db_time`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect

from store.tables import UTCDateTime


class RowInsert:
    """INSERT of `columns` into `table`, taking rows as tuples in that order."""

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)
        self._statements: dict[str, str] = {}

    def __call__(self, connection: Connection, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        dialect = connection.dialect
        statement = self._statements.get(dialect.name) or self._render(dialect)
        if dialect.name == "postgresql":
            connection.exec_driver_sql(statement, tuple(map(list, zip(*rows, strict=True))))
        else:
            connection.exec_driver_sql(statement, list(rows))

    def _render(self, dialect: Dialect) -> str:
        names = ", ".join(self.columns)
        if dialect.name == "postgresql":
            arrays = ", ".join(
                f"%s::{self.table.c[name].type.compile(dialect=dialect)}[]" for name in self.columns
            )
            statement = f"INSERT INTO {self.table.name} ({names}) SELECT * FROM unnest({arrays})"
        else:
            marks = ", ".join("?" for _ in self.columns)
            statement = f"INSERT INTO {self.table.name} ({names}) VALUES ({marks})"
        self._statements[dialect.name] = statement
        return statement


def db_time(dialect: Dialect) -> Callable[[datetime | None], Any]:
    """How a UTC time column takes a value on this database (SQLAlchemy's own bind processor)."""
    processor = UTCDateTime().bind_processor(dialect)
    assert processor is not None
    return processor
