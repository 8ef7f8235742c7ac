"""Many rows into one table through the driver: the append's hot inserts.

SQLAlchemy Core builds and binds a parameter dictionary per row through its type system; for the
log, the reports and the Merkle subtrees that cost as much as the database's own work. A
`RowInsert` renders its statement once per dialect and hands the driver plain tuples: one
`executemany` on the sqlite3 connection itself, and on PostgreSQL one
`INSERT ... SELECT FROM unnest(...)` with a typed array per column (sent in binary, `%b`: no
quoting of each element), a single statement however many rows, or for a large batch `COPY`,
whose rows the driver formats in C; a few rows (a lone append's) go as plain parameters of a
multi-row VALUES, which the driver dumps for less than arrays of one element. It runs on the
SQLAlchemy connection's own driver connection, inside the append's transaction, and driver
errors come out as SQLAlchemy's, as if it had run them. Values arrive as the database takes
them: JSON columns as text already encoded (the append encodes each event once), times
through `db_time`.

Inside an append on PostgreSQL, writes are deferred (`deferring`): they queue on the connection
and go to the server together, in pipeline mode, when the next statement needs their effect
(any other statement on the connection flushes them first) or with the COMMIT, so the writes
of an append cost one round trip, not one each. A COPY there ends without waiting for the
server's answer, which is read before the connection's next use (`finish_copy`): the server
copies the rows while the append builds the next table's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

from store.tables import UTCDateTime

COPY_FROM = 64  # on PostgreSQL, this many rows or more go by COPY (rows formatted by the driver)
# A column's PostgreSQL type as its binary COPY takes it (JSON: text already encoded).
BINARY_TYPES = {
    "integer": "int4",
    "bigint": "int8",
    "smallint": "int2",
    "varchar": "varchar",
    "text": "text",
    "json": "text",
    "boolean": "bool",
    "bytea": "bytea",
    "float": "float8",
    "double precision": "float8",
    "timestamp with time zone": "timestamptz",
}
FEW = 4  # on PostgreSQL, up to this many rows go as plain parameters (a lone append's rows)


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
        if dialect.name == "postgresql" and len(rows) >= COPY_FROM:
            flush(connection)  # what was queued before these rows goes first
            driver = connection.connection.driver_connection
            assert driver is not None
            types = self._copy_types(dialect)
            copy_in = f"COPY {self.table.name} ({', '.join(self.columns)}) FROM STDIN"
            if types:
                copy_in += " (FORMAT BINARY)"
            deferred = connection.info.get(DEFERRED) is not None
            with translated(connection, copy_in), driver.cursor() as cursor:
                writer = _unwaited_end()(cursor) if deferred else None
                with cursor.copy(copy_in, writer=writer) as copy:
                    if types:
                        copy.set_types(types)
                    for row in rows:
                        copy.write_row(row)
            if deferred:  # its result is read by whatever uses the connection next
                connection.info[COPY_PENDING] = copy_in
        elif dialect.name == "postgresql" and len(rows) <= FEW:
            write(connection, self._values(len(rows)), tuple(v for row in rows for v in row))
        elif dialect.name == "postgresql":
            write(connection, statement, tuple(map(list, zip(*rows, strict=True))))
        else:
            write(connection, statement, list(rows), many=True)

    @functools.cache  # noqa: B019 (a few texts per insert, which live as long as the process)
    def _values(self, count: int) -> str:
        """PostgreSQL: `count` rows as plain parameters, cheaper to send than arrays of a few."""
        marks = "(" + ", ".join("%s" for _ in self.columns) + ")"
        names = ", ".join(self.columns)
        return f"INSERT INTO {self.table.name} ({names}) VALUES {', '.join([marks] * count)}"

    @functools.cache  # noqa: B019 (one list per insert and dialect, for the process's life)
    def _copy_types(self, dialect: Dialect) -> list[str] | None:
        """PostgreSQL: each column's type for a binary COPY, or None if one has no known one.

        Binary rows are packed by the driver without the text format's escaping and time
        formatting: several times cheaper per row. A JSON column takes the encoded text as it
        is (json's binary form is its text).
        """
        types = []
        for name in self.columns:
            spelled = self.table.c[name].type.compile(dialect=dialect).lower()
            binary = BINARY_TYPES.get(spelled.split("(")[0])
            if binary is None:
                return None
            types.append(binary)
        return types

    def _render(self, dialect: Dialect) -> str:
        names = ", ".join(self.columns)
        if dialect.name == "postgresql":
            arrays = ", ".join(
                f"%b::{self.table.c[name].type.compile(dialect=dialect)}[]" for name in self.columns
            )
            statement = f"INSERT INTO {self.table.name} ({names}) SELECT * FROM unnest({arrays})"
        else:
            marks = ", ".join("?" for _ in self.columns)
            statement = f"INSERT INTO {self.table.name} ({names}) VALUES ({marks})"
        self._statements[dialect.name] = statement
        return statement


@functools.lru_cache(maxsize=16)
def db_time(dialect: Dialect) -> Callable[[datetime | None], Any]:
    """How a UTC time column takes a value on this database (SQLAlchemy's own bind processor).

    On SQLite that is text in SQLAlchemy's one spelling (microseconds always written), which
    is what every query's bound times are compared with.
    """
    if dialect.name == "postgresql":  # timestamptz takes any aware time as the instant it is
        return _aware
    return _sqlite_text


def _sqlite_text(moment: datetime | None) -> str | None:
    """SQLAlchemy's SQLite spelling of a UTC time (`UTCDateTime`), by the C `isoformat`:
    several times faster than its processor, which a replay calls for every report."""
    if moment is None:
        return None
    if moment.tzinfo is UTC:
        return moment.isoformat(" ", "microseconds")[:26]  # without its "+00:00"
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(" ", "microseconds")


@functools.lru_cache(maxsize=16)
def read_time(dialect: Dialect) -> Callable[[Any], datetime | None]:
    """How a UTC time column's stored value reads back (SQLAlchemy's own result processor)."""
    processor = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    return processor if processor is not None else (lambda value: value)


def _aware(moment: datetime | None) -> datetime | None:
    """A naive time is UTC (as `as_utc` has it); an aware one goes as it is."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def driver_sql(dialect: Dialect, statement: str) -> str:
    """A statement written with `?` marks, in the driver's own parameter style."""
    return statement if dialect.name == "sqlite" else statement.replace("?", "%s")


DEFERRED = "recount.deferred_writes"
# In a queue: the writes before it are sent as statements of their own, before those after it.
BARRIER: tuple[str, Any, bool] = ("", (), False)


def write(
    connection: Connection,
    statement: str,
    parameters: Any,
    many: bool = False,
    after_the_queued: bool = False,
) -> None:
    """Run a write now, or queue it when the connection is deferring writes.

    `after_the_queued`: the write reads what was queued before it, so it is queued as a
    statement of its own after them (still in the same round trip), not a clause beside them.
    """
    queue: list[tuple[str, Any, bool]] | None = connection.info.get(DEFERRED)
    if queue is not None:
        if after_the_queued:
            queue.extend((BARRIER, (statement, parameters, many), BARRIER))
        else:
            queue.append((statement, parameters, many))
    elif connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        assert driver is not None
        with translated(connection, statement):
            (driver.executemany if many else driver.execute)(statement, parameters)
    else:
        connection.exec_driver_sql(statement, parameters)


def read(connection: Connection, statement: str, parameters: Sequence[Any]) -> list[Any]:
    """The rows of a read written with `?` marks, straight from the driver: values as the
    driver gives them (SQLite: times as text, booleans as 0 and 1)."""
    finish_copy(connection)
    driver = connection.connection.driver_connection
    assert driver is not None
    sql = driver_sql(connection.dialect, statement)
    with translated(connection, sql):
        cursor = driver.cursor()
        try:
            cursor.execute(sql, parameters)
            rows: list[Any] = cursor.fetchall()
            return rows
        finally:
            cursor.close()


def read_alone(connection: Connection, statement: str, parameters: Sequence[Any]) -> list[Any]:
    """`read` for a statement that is a whole answer by itself (one snapshot, no transaction).

    On PostgreSQL it runs in autocommit: no BEGIN before it, and no ROLLBACK when the connection
    goes back to the pool. That ROLLBACK is what costs most: psycopg forgets every prepared
    statement of the connection on it, so a statement asked once a checkout is planned afresh
    every time. Without it, the driver prepares the statement on its fifth use on that
    connection and the server then only executes it.
    """
    driver = connection.connection.driver_connection
    if connection.dialect.name != "postgresql" or driver is None or driver.autocommit:
        return read(connection, statement, parameters)
    from psycopg.pq import TransactionStatus  # PostgreSQL's driver, there only

    if driver.info.transaction_status != TransactionStatus.IDLE:
        return read(connection, statement, parameters)  # inside a transaction: stay in it
    sql = driver_sql(connection.dialect, statement)
    driver.autocommit = True
    try:
        with translated(connection, sql), driver.cursor() as cursor:
            cursor.execute(sql, parameters, binary=True)  # rows in binary: less to format
            rows: list[Any] = cursor.fetchall()
            return rows
    finally:
        driver.autocommit = False


@contextmanager
def translated(connection: Connection, statement: str) -> Iterator[None]:
    """Driver errors as SQLAlchemy's (IntegrityError and the rest), as if it had run them."""
    base = connection.dialect.loaded_dbapi.Error
    try:
        yield
    except base as error:
        raise DBAPIError.instance(statement, None, error, base) from error


@contextmanager
def deferring(connection: Connection) -> Iterator[None]:
    """Queue writes on a PostgreSQL connection until something needs them (see `flush`).

    While deferring, a COPY's end is sent without waiting for the server (`_unwaited_end`): the
    append's Python goes on with the next table's rows while the server checks and indexes
    the copied ones, and its result is read before the connection's next use. On the way
    out, a result still unread is read (an error then, the block's own exception going on,
    is left for the rollback), so the connection is free again for the transaction's end.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.info[DEFERRED] = []
    try:
        yield
    except BaseException:
        with suppress(Exception):  # the block's own error is the one to raise
            finish_copy(connection)
        raise
    else:
        finish_copy(connection)
    finally:
        connection.info.pop(DEFERRED, None)
        connection.info.pop(COPY_PENDING, None)


COPY_PENDING = "recount.copy_pending"  # the COPY whose end was sent and whose result is unread


def _end_sent(pgconn: Any) -> Generator[Any, Any, None]:
    """libpq's end of a COPY, put and flushed to the server, without reading its result.

    The first half of psycopg's own `copy_end` generator, driven by the connection's `wait`.
    """
    from psycopg.waiting import Wait  # PostgreSQL's driver, there only

    while pgconn.put_copy_end(None) == 0:
        while not (yield Wait.W):
            continue
    while True:
        while not (yield Wait.W):
            continue
        if pgconn.flush() == 0:
            return


@functools.cache
def _unwaited_end() -> type:
    """A psycopg COPY writer (`LibpqWriter`'s sending) whose end does not wait for the result.

    Made on first use: the driver is imported only on PostgreSQL.
    """
    from psycopg.copy import LibpqWriter  # PostgreSQL's driver, there only

    class UnwaitedEnd(LibpqWriter):
        def finish(self, exc: BaseException | None = None) -> None:
            if exc is not None:  # an error while writing: psycopg's own end, which waits
                super().finish(exc)
                return
            self.connection.wait(_end_sent(self.connection.pgconn))

    return UnwaitedEnd


def finish_copy(connection: Connection) -> None:
    """Read the result of a COPY whose end was sent unwaited, raising its error, if any."""
    statement = connection.info.pop(COPY_PENDING, None)
    if statement is None:
        return
    from psycopg import errors  # PostgreSQL's driver, there only
    from psycopg.generators import fetch_many
    from psycopg.pq import ExecStatus

    driver = connection.connection.driver_connection
    assert driver is not None
    with translated(connection, statement), driver.lock:
        results = driver.wait(fetch_many(driver.pgconn))
        for result in results:
            if result.status != ExecStatus.COMMAND_OK:
                raise errors.error_from_result(result, encoding=driver.info.encoding)


def flush(connection: Connection, commit: bool = False) -> None:
    """Send the queued writes (and, if asked, COMMIT) in one pipeline: one round trip.

    Does nothing on a connection that is not deferring. After a COMMIT sent here, the driver
    is outside any transaction, so SQLAlchemy's own commit at the end of the block is a no-op.
    A COPY whose end was sent unwaited is finished first (`finish_copy`).
    """
    finish_copy(connection)
    queue: list[tuple[str, Any, bool]] | None = connection.info.get(DEFERRED)
    if queue is None or not (queue or commit):
        return
    items = list(queue)
    queue.clear()
    driver = connection.connection.driver_connection
    assert driver is not None
    if commit and items and _nothing_sent(driver):
        _commit_alone(connection, driver, items)
        return
    statements = [_combined(chunk) for chunk in _chunks(items)]
    first = statements[0][0] if statements else "COMMIT"
    with translated(connection, first), driver.pipeline(), driver.cursor() as cursor:
        for statement, parameters in statements:
            cursor.execute(statement, parameters, prepare=True)  # planned once per shape
        if commit:  # queued like the writes: the driver's commit() would wait for its own sync
            cursor.execute("COMMIT")


def _nothing_sent(driver: Any) -> bool:
    """Whether the driver has sent nothing of the transaction yet (it sends BEGIN with the
    first statement): then the queue holds the transaction's whole work."""
    from psycopg.pq import TransactionStatus  # PostgreSQL's driver, there only

    return bool(driver.info.transaction_status == TransactionStatus.IDLE)


def _commit_alone(connection: Connection, driver: Any, items: list[tuple[str, Any, bool]]) -> None:
    """A transaction whose whole work is queued writes, sent without BEGIN and COMMIT.

    In autocommit mode one statement is its own transaction, and statements sent in a pipeline
    up to its one Sync are one implicit transaction (PostgreSQL's extended query protocol): all
    of them commit, or none. A lone append's writes, whose runs between barriers each become
    one statement, then cost one round trip and four protocol messages fewer than BEGIN, the
    writes and COMMIT in a pipeline (which the driver also handles in Python, step by step).
    A statement written with `%s` only goes as the server's own `$n` (`_numbered`, text kept per
    shape) on a raw cursor: the driver's parsing of placeholders is skipped whatever their count.
    """
    from psycopg import RawCursor  # PostgreSQL's driver, there only

    runs = [_combined(run) for run in _chunks(items, parsed_by_the_driver=False)]
    driver.autocommit = True
    try:
        if len(runs) == 1:  # no pipeline: the driver's handling of one costs more than a sync
            statement, parameters = runs[0]
            if "%b" not in statement:
                statement, cursor = _numbered(statement), RawCursor(driver)
            else:  # binary arrays (a group of appends): the driver reads the marks
                cursor = driver.cursor()
            with translated(connection, statement), cursor:
                cursor.execute(statement, parameters, prepare=True)
            return
        first = runs[0][0]
        with translated(connection, first), driver.pipeline(), driver.cursor() as cursor:
            for statement, parameters in runs:
                cursor.execute(statement, parameters, prepare=True)
    finally:
        if _nothing_sent(driver):  # a broken connection is the group commit's to drop
            driver.autocommit = False


@functools.lru_cache(maxsize=256)
def _numbered(statement: str) -> str:
    """A statement written with `%s` marks, with PostgreSQL's `$1`, `$2`, ... instead."""
    parts = statement.split("%s")
    return "".join(f"{part}${n}" for n, part in enumerate(parts[:-1], start=1)) + parts[-1]


# The driver keeps a statement's parsed placeholders only up to these sizes (psycopg's
# MAX_CACHED_STATEMENT_LENGTH and _PARAMS); past them it parses the text again on every call,
# which for a lone append's writes cost more than sending them as two statements.
CACHED_LENGTH = 4096
CACHED_PARAMETERS = 50


def _chunks(
    items: list[tuple[str, Any, bool]], parsed_by_the_driver: bool = True
) -> Iterator[list[tuple[str, Any, bool]]]:
    """The queued writes in runs between barriers; each also within what the driver keeps
    parsed, unless the server alone reads the placeholders (`_commit_alone`)."""
    chunk: list[tuple[str, Any, bool]] = []
    length = count = 0
    for item in items:
        if item is BARRIER:
            if chunk:
                yield chunk
            chunk, length, count = [], 0, 0
            continue
        statement, parameters, _ = item
        if (
            parsed_by_the_driver
            and chunk
            and (
                length + len(statement) + 16 > CACHED_LENGTH
                or count + len(parameters) > CACHED_PARAMETERS
            )
        ):
            yield chunk
            chunk, length, count = [], 0, 0
        chunk.append(item)
        length += len(statement) + 16  # with its "wN AS (...), "
        count += len(parameters)
    if chunk:
        yield chunk


def _combined(items: list[tuple[str, Any, bool]]) -> tuple[str, list[Any]]:
    """The queued writes as one statement: all but the last in data-modifying WITH clauses.

    They see one snapshot, so they must not depend on each other's effects; what is queued
    never does (each table is written once per append, and anything that reads flushes first).
    The server then parses, plans and runs one statement instead of one per table.
    """
    assert not any(many for _, _, many in items), "PostgreSQL writes are set-based here"
    parameters: list[Any] = [p for _, params, _ in items for p in params]
    clauses = [f"w{n} AS ({statement})" for n, (statement, _, _) in enumerate(items[:-1])]
    last = items[-1][0]
    return (f"WITH {', '.join(clauses)} {last}" if clauses else last), parameters


def flush_before_other_statements(engine: Engine) -> None:
    """Any statement run on a deferring connection first sends what is queued."""
    if engine.dialect.name != "postgresql" or event.contains(
        engine, "before_cursor_execute", _flush_first
    ):
        return
    event.listen(engine, "before_cursor_execute", _flush_first)


def _flush_first(connection: Connection, *_args: Any) -> None:
    if connection.info.get(DEFERRED) or COPY_PENDING in connection.info:
        flush(connection)
