"""The events table's own statements: its rows in and out, the head locked, moved and watched.

What the append, the import and the passes over the log (replay, its check) say to the table,
each built once. The hot insert goes to the driver as tuples (`store.rows`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, bindparam, select, text

from domain.events import RecordedEvent
from store.database import stored_time, stream_rows
from store.rows import RowInsert, driver_sql, read_time, translated, write
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
# One index probe per stream (the max of (stream_id, version) read from the index's end), not
# every event of each stream: a long stream would make each lookup, so an import, ever slower.
VERSIONS = {
    "postgresql": text(
        "SELECT s.id, (SELECT max(version) FROM events WHERE stream_id = s.id) "
        "FROM unnest(CAST(:streams AS varchar[])) AS s(id)"
    ),
    "sqlite": text(
        "SELECT s.value, (SELECT max(version) FROM events WHERE stream_id = s.value) "
        "FROM json_each(:streams) AS s"
    ),
}
BY_KEY = select(events_table).where(
    events_table.c.idempotency_key.in_(bindparam("keys", expanding=True))
)
# Writing the head row takes the lock; RETURNING reads it in the same statement.
LOCK_HEAD_SQL = "UPDATE log_head SET position = position RETURNING position, recorded_at"
MOVE_HEAD_SQL = "UPDATE log_head SET position = ?, recorded_at = ?"


def lock_head(connection: Connection) -> tuple[int, datetime | None]:
    """Lock the head row and read it, on the driver connection itself.

    On PostgreSQL the statement goes in one round trip with the driver's BEGIN (pipeline mode).
    SQLite keeps times as text: SQLAlchemy's own result processor reads it back.
    """
    driver = connection.connection.driver_connection
    assert driver is not None
    with translated(connection, LOCK_HEAD_SQL):
        if connection.dialect.name == "sqlite":
            ((position, recorded_at),) = driver.execute(LOCK_HEAD_SQL).fetchall()
            return int(position), read_time(connection.dialect)(recorded_at)
        with driver.pipeline(), driver.cursor() as cursor:
            cursor.execute(LOCK_HEAD_SQL, prepare=True)
            row = cursor.fetchone()
    assert row is not None
    return int(row[0]), row[1]


def move_head(connection: Connection, position: int, recorded_at: Any) -> None:
    """Set the head (queued with the append's other writes); `recorded_at` as the DB takes it."""
    write(connection, driver_sql(connection.dialect, MOVE_HEAD_SQL), (position, recorded_at))


def stored_by_key(connection: Connection, keys: Sequence[str | None]) -> dict[str, RecordedEvent]:
    """The events already in the log under any of these idempotency keys."""
    wanted = sorted({k for k in keys if k is not None})
    stored: dict[str, RecordedEvent] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        for row in connection.execute(BY_KEY, {"keys": chunk}):
            stored[row.idempotency_key] = recorded_event(row._mapping)
    return stored


def stream_versions(connection: Connection, streams: set[str]) -> dict[str, int]:
    """Each stream's last version in the log (streams with no event are left out)."""
    if not streams:
        return {}
    names = sorted(streams)
    sqlite = connection.dialect.name == "sqlite"
    statement = VERSIONS[connection.dialect.name]
    rows = connection.execute(
        statement, {"streams": orjson.dumps(names).decode() if sqlite else names}
    )
    return {stream: int(version) for stream, version in rows if version is not None}


def recorded_event(row: Any) -> RecordedEvent:
    fields = {column: row[column] for column in EVENT_COLUMNS}
    return RecordedEvent(**{**fields, "leaf_hash": bytes(fields["leaf_hash"])})


def scan(connection: Connection, limit: int, chunk: int = 5000) -> Iterator[list[RecordedEvent]]:
    """Positions 1..limit, `chunk` events at a time, as raw rows from the driver.

    For the passes over the whole log (replay, its check): several times faster than
    `EventStore.read`, with memory flat on both backends (`stream_rows`): one chunk is held at
    a time, if the caller lets go of each before asking for the next. Events come with their
    data decoded, and parsed into their model only when asked (`RecordedEvent.event`): most
    passes read the data of a few types.
    """
    query = _SCAN.format(limit=int(limit))
    times: dict[object, datetime] = {}
    for rows in stream_rows(connection, query, chunk):
        batch = _events(rows, times)
        del rows  # the driver's rows are not kept while the next chunk is read
        yield batch
        del batch


def _events(rows: Sequence[Any], times: dict[object, datetime]) -> list[RecordedEvent]:
    """Scanned rows as events; `times` keeps the parsed recorded_at of the last few commits."""
    batch = []
    for position, event_id, stream, version, kind, data, meta, recorded, key, leaf in rows:
        moment = times.get(recorded)
        if moment is None:
            if len(times) > 4096:
                times.clear()
            moment = times[recorded] = stored_time(recorded)
        batch.append(
            RecordedEvent(
                position=position,
                event_id=event_id,
                stream_id=stream,
                version=version,
                type=kind,
                data=orjson.loads(data),
                metadata=orjson.loads(meta),
                recorded_at=moment,
                idempotency_key=key,
                leaf_hash=bytes(leaf),
            )
        )
    return batch


_SCAN = (
    "SELECT position, event_id, stream_id, version, type, CAST(data AS TEXT), "
    "CAST(metadata AS TEXT), recorded_at, idempotency_key, leaf_hash FROM events "
    "WHERE position <= {limit} ORDER BY position"
)


HEAD_SQL = "SELECT position FROM log_head"


class HeadWatch:
    """The log head, read on a driver connection of its own, outside any transaction.

    Cheap enough to ask before every kept answer (one primary-key read, no BEGIN/ROLLBACK) and
    it never waits for the pool, whose connections may all be held by requests that need the
    server's event loop to finish: so the loop itself may call it (one short read, a round trip
    on PostgreSQL). The connection is opened on first use, dropped on any error (the next call
    opens another) and closed by `close`.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._driver: Any = None
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            try:
                if self._driver is None:
                    self._driver = self._open()
                cursor = self._driver.cursor()
                try:
                    cursor.execute(HEAD_SQL)
                    return int(cursor.fetchone()[0])
                finally:
                    cursor.close()
            except Exception:
                self._close()
                raise

    def close(self) -> None:
        with self._lock:
            self._close()

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
