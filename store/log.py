"""The events table's own statements: its rows in and out, the head locked, moved and watched.

What the append, the import and the passes over the log (replay, its check) say to the table,
each built once. The hot insert goes to the driver as tuples (`store.rows`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, bindparam, select

from domain.events import RecordedEvent
from store.database import stored_time, stream_rows
from store.rows import RowInsert, driver_sql, flush, read_time, translated, write
from store.tables import events as events_table

CHUNK = 500  # bound on parameters in one IN (...) query

EVENT_COLUMNS = (
    "position",
    "event_id",
    "stream_id",
    "version",
    "type",
    "data",
    "metadata",
    "recorded_at",
    "idempotency_key",
    "leaf_hash",
)
INSERT_EVENTS = RowInsert(events_table, EVENT_COLUMNS)
BY_KEY = select(events_table).where(
    events_table.c.idempotency_key.in_(bindparam("keys", expanding=True))
)
# Writing the head row takes the lock; RETURNING reads it in the same statement.
LOCK_HEAD_SQL = "UPDATE log_head SET position = position RETURNING position, recorded_at"
MOVE_HEAD_SQL = "UPDATE log_head SET position = ?, recorded_at = ?"


def lock_head(
    connection: Connection, streams: Collection[str] = ()
) -> tuple[int, datetime | None, dict[str, int]]:
    """Lock the head row and read it, then the last version of each of `streams`.

    On the driver connection itself. On PostgreSQL both statements go in one round trip with
    the driver's BEGIN (pipeline mode); the versions query runs once the lock is held, so under
    READ COMMITTED it sees every append committed before ours. SQLite keeps times as text:
    SQLAlchemy's own result processor reads it back.
    """
    driver = connection.connection.driver_connection
    assert driver is not None
    names = sorted(streams)
    with translated(connection, LOCK_HEAD_SQL):
        if connection.dialect.name == "sqlite":
            ((position, recorded_at),) = driver.execute(LOCK_HEAD_SQL).fetchall()
            versions = _sqlite_versions(driver, names)
            return int(position), read_time(connection.dialect)(recorded_at), versions
        with driver.pipeline(), driver.cursor() as head, driver.cursor() as found:
            head.execute(LOCK_HEAD_SQL, prepare=True)
            if names:
                found.execute(PG_VERSIONS_SQL, (names,), prepare=True)
            row = head.fetchone()
            versions = _found(found.fetchall()) if names else {}
    assert row is not None
    return int(row[0]), row[1], versions


def stream_versions(connection: Connection, streams: Collection[str]) -> dict[str, int]:
    """Each stream's last version in the log (streams with no event are left out)."""
    names = sorted(streams)
    if not names:
        return {}
    driver = connection.connection.driver_connection
    assert driver is not None
    flush(connection)  # on PostgreSQL, what the append queued goes first
    if connection.dialect.name == "sqlite":
        with translated(connection, SQLITE_VERSIONS_SQL):
            return _sqlite_versions(driver, names)
    with translated(connection, PG_VERSIONS_SQL):
        with driver.cursor() as cursor:
            cursor.execute(PG_VERSIONS_SQL, (names,), prepare=True)
            return _found(cursor.fetchall())


# One index probe per stream (the max of (stream_id, version) read from the index's end), not
# every event of each stream: a long stream would make each lookup, so an import, ever slower.
PG_VERSIONS_SQL = (
    "SELECT s.id, (SELECT max(version) FROM events WHERE stream_id = s.id) "
    "FROM unnest(%s::varchar[]) AS s(id)"
)
SQLITE_VERSIONS_SQL = (
    "SELECT s.value, (SELECT max(version) FROM events WHERE stream_id = s.value) "
    "FROM json_each(?) AS s"
)


def _found(rows: Sequence[tuple[str, int | None]]) -> dict[str, int]:
    return {stream: int(version) for stream, version in rows if version is not None}


def _sqlite_versions(driver: Any, names: list[str]) -> dict[str, int]:
    if not names:
        return {}
    return _found(driver.execute(SQLITE_VERSIONS_SQL, (orjson.dumps(names).decode(),)).fetchall())


def move_head(
    connection: Connection, position: int, recorded_at: Any, presumed: int | None = None
) -> None:
    """Set the head (queued with the append's other writes); `recorded_at` as the DB takes it.

    With `presumed`, only if the head is still there (the append was numbered without reading
    it); this statement then takes the head's lock.
    """
    if presumed is None:
        write(connection, driver_sql(connection.dialect, MOVE_HEAD_SQL), (position, recorded_at))
        return
    statement = driver_sql(connection.dialect, MOVE_HEAD_SQL + " WHERE position = ?")
    write(connection, statement, (position, recorded_at, presumed))


def stored_by_key(connection: Connection, keys: Sequence[str | None]) -> dict[str, RecordedEvent]:
    """The events already in the log under any of these idempotency keys."""
    wanted = sorted({k for k in keys if k is not None})
    stored: dict[str, RecordedEvent] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        for row in connection.execute(BY_KEY, {"keys": chunk}):
            stored[row.idempotency_key] = recorded_event(row._mapping)
    return stored


def recorded_event(row: Any) -> RecordedEvent:
    fields = {column: row[column] for column in EVENT_COLUMNS}
    return RecordedEvent(**{**fields, "leaf_hash": bytes(fields["leaf_hash"])})


def scan(
    connection: Connection,
    limit: int,
    chunk: int = 5000,
    between: Callable[[], None] | None = None,
) -> Iterator[list[RecordedEvent]]:
    """Positions 1..limit, `chunk` events at a time, as raw rows from the driver.

    For the passes over the whole log (replay, its check): several times faster than
    `EventStore.read`, with memory flat on both backends (`stream_rows`): one chunk is held at
    a time, if the caller lets go of each before asking for the next. Events come with their
    data decoded, and parsed into their model only when asked (`RecordedEvent.event`): most
    passes read the data of a few types. `between` is called between chunks, when neither the
    last chunk (if the caller let go of it) nor the next is held.
    """
    query = _SCAN.format(limit=int(limit))
    times: dict[object, datetime] = {}
    for rows in stream_rows(connection, query, chunk):
        batch = _events(rows, times)
        del rows  # the driver's rows are not kept while the next chunk is read
        yield batch
        del batch
        if between is not None:  # the caller's batch let go, the next not read yet
            between()


def _events(rows: Sequence[Any], times: dict[object, datetime]) -> list[RecordedEvent]:
    """Scanned rows as events; `times` keeps the parsed recorded_at of the last few commits.

    Metadata is decoded once per distinct text of a chunk, the same dictionary shared by the
    events that wrote the same text (the readers of a scan never change it): most events of
    a log carry one of a few (who appended them, and how), and 20,000 decodes were about a
    quarter of the scan's decoding. Each event is built from its fields by position: the
    frozen dataclass's `__init__` by keyword costs a third more (1.7 against 1.25 µs).
    """
    batch = []
    metadata: dict[str, dict[str, Any]] = {}
    for position, event_id, stream, version, kind, data, meta, recorded, key, leaf in rows:
        moment = times.get(recorded)
        if moment is None:
            if len(times) > 4096:
                times.clear()
            moment = times[recorded] = stored_time(recorded)
        decoded = metadata.get(meta)
        if decoded is None:
            decoded = metadata[meta] = orjson.loads(meta)
        event = RecordedEvent(
            position, event_id, stream, version, kind, orjson.loads(data), decoded, moment, key,
            bytes(leaf),
        )  # fmt: skip
        batch.append(event)
    return batch


_SCAN = (
    "SELECT position, event_id, stream_id, version, type, CAST(data AS TEXT), "
    "CAST(metadata AS TEXT), recorded_at, idempotency_key, leaf_hash FROM events "
    "WHERE position <= {limit} ORDER BY position"
)


HEAD_SQL = "SELECT position FROM log_head"


async def _awaited_connection(engine: Engine) -> Any:
    """An asynchronous psycopg connection to the engine's database, outside any transaction."""
    import psycopg  # only PostgreSQL gets here

    arguments, options = engine.dialect.create_connect_args(engine.url)
    return await psycopg.AsyncConnection.connect(*arguments, **options, autocommit=True)


class HeadWatch:
    """The log head, read on a driver connection of its own, outside any transaction.

    Cheap enough to ask before every kept answer (one primary-key read, no BEGIN/ROLLBACK) and
    it never waits for the pool, whose connections may all be held by requests that need the
    server's event loop to finish: so the loop itself may call it (one short read, a round trip
    on PostgreSQL). `first` makes other such reads on it; `first_awaited` makes them on an
    asynchronous connection of its own on PostgreSQL (a write's token, `store.tokens`), so the
    loop need not wait for the answer. Each connection is opened on first use, dropped on any
    error (the next call opens another) and closed by `close`.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._driver: Any = None
        self._lock = threading.Lock()
        self._awaited: Any = None  # psycopg's AsyncConnection, for `first_awaited`
        self._awaited_loop: asyncio.AbstractEventLoop | None = None

    def __call__(self) -> int:
        row = self.first(HEAD_SQL)
        assert row is not None
        return int(row[0])

    def first(self, statement: str, parameters: Sequence[Any] = ()) -> Any:
        """The first row of a short read written with `?` marks (None if there is none), as the
        driver gives it (SQLite: times as text)."""
        sql = driver_sql(self.engine.dialect, statement)
        with self._lock:
            try:
                if self._driver is None:
                    self._driver = self._open()
                cursor = self._driver.cursor()
                try:
                    cursor.execute(sql, parameters)
                    return cursor.fetchone()
                finally:
                    cursor.close()
            except Exception:
                self._close()
                raise

    async def first_awaited(self, statement: str, parameters: Sequence[Any] = ()) -> Any:
        """`first`, for the event loop: on PostgreSQL the loop serves other requests while the
        answer travels (an asynchronous connection of this watch's own, opened on the running
        loop); SQLite's local read does not wait for a network and is made as `first` makes it.
        """
        if self.engine.dialect.name != "postgresql":
            return self.first(statement, parameters)
        sql = driver_sql(self.engine.dialect, statement)
        for attempt in (1, 2):
            awaited = await self._awaited_on(asyncio.get_running_loop())
            try:
                async with awaited.cursor() as cursor:  # the connection serialises its users
                    await cursor.execute(sql, parameters)
                    return await cursor.fetchone()
            except Exception:
                if self._awaited is awaited:
                    self._close_awaited()
                if attempt == 2 or not awaited.broken:
                    raise
                # The server went away since the last read (a restart): once more, anew.
        raise AssertionError("unreachable")

    async def _awaited_on(self, loop: asyncio.AbstractEventLoop) -> Any:
        """The asynchronous connection, opened on `loop` if it has none there."""
        if self._awaited is None or self._awaited_loop is not loop:
            self._close_awaited()  # one made on another loop (a test's) cannot be used here
            connection = await _awaited_connection(self.engine)
            if self._awaited is not None:  # another request opened one meanwhile
                connection.pgconn.finish()
            else:
                self._awaited, self._awaited_loop = connection, loop
        return self._awaited

    def close(self) -> None:
        with self._lock:
            self._close()
        self._close_awaited()

    def _close_awaited(self) -> None:
        """Drop the asynchronous connection at once, from any loop or none (libpq's own close:
        nothing to await)."""
        if self._awaited is not None:
            connection, self._awaited, self._awaited_loop = self._awaited, None, None
            try:
                connection.pgconn.finish()
            except Exception:  # a broken connection: nothing more to give back
                pass

    def _open(self) -> Any:
        connection = self.engine.raw_connection()
        driver = connection.driver_connection
        assert driver is not None
        connection.detach()  # never back to the pool: it is this watch's alone
        if self.engine.dialect.name == "postgresql":
            driver.rollback()  # out of the pool's pre-ping transaction, if any
            driver.autocommit = True  # each read sees the latest commit
        return driver  # SQLite's connections are in autocommit mode already (store.database)

    def _close(self) -> None:
        if self._driver is not None:
            driver, self._driver = self._driver, None
            try:
                driver.close()
            except Exception:  # a broken connection: nothing more to give back
                pass
