"""The database: an engine built from settings (never at import time) and its migrations."""

from __future__ import annotations

import queue
import secrets
import threading
import time
from collections.abc import Generator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

from alembic import command
from domain.canonical import canonical_text
from domain.times import as_utc

SQLITE_TIME = len("2025-01-02 03:04:05.000006")  # SQLAlchemy's spelling of a UTC time on SQLite
MIGRATIONS = Path(__file__).resolve().parents[1] / "alembic"
# A pooled server connection back in use within this many seconds is taken as alive, unpinged.
PING_AFTER_IDLE = 1.0
_RETURNED_AT = "recount.returned_at"  # in a pool record's info: when it was last given back


def create_database_engine(url: str, ping_after_idle: float = PING_AFTER_IDLE) -> Engine:
    """An engine with SQLite set up for one writer and many readers (WAL, a busy timeout).

    JSON columns are written as `canonical_text` writes them (RFC 8785), whoever writes them,
    so `recount verify` need not parse the log's data and metadata to rebuild an event's
    canonical bytes.

    pysqlite's own transaction handling is switched off so that SQLAlchemy's BEGIN is the real
    one: an append then starts with a write to the log head and waits its turn instead of failing.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, json_serializer=canonical_text)
        _ping_after_idle(engine, ping_after_idle)
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30}, json_serializer=canonical_text)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def _ping_after_idle(engine: Engine, seconds: float) -> None:
    """Check a pooled connection with a round trip only when it has lain idle `seconds` or more.

    SQLAlchemy's `pool_pre_ping` pings on every checkout: a round trip (0.13-0.25 ms on
    loopback) before each request's first statement, as much as a whole indexed read costs.
    A connection given back moments ago is as alive as the server can tell without asking, so
    under load (connections back in use within milliseconds) nothing is sent; after a quiet
    spell, the first checkout pings and a dead connection is replaced before a request sees it.
    A server restart takes longer than the window, so connections from before one are pinged.
    What stays uncaught is a connection killed within the window (`pg_terminate_backend`, a
    dropped link): its request fails as a disconnect, SQLAlchemy then invalidates the pool,
    and the next request gets a new connection.
    """

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _taken(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED_AT)  # none yet: a new connection, alive
        if returned is None or time.monotonic() - returned < seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # replaced, and every connection pooled before it too
            raise exc.InvalidatePoolError(f"an idle pooled connection is dead: {error}") from error


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest migration; running it again changes nothing."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def stream_rows(
    connection: Connection, sql: str, chunk: int = 5000, *, binary: bool = False
) -> Generator[Sequence[Any], None, None]:
    """Rows of a trusted query straight from the driver, `chunk` at a time, in the query's order.

    For the scans of the whole log (verify, replay, import checks): no per-row work by
    SQLAlchemy, and on PostgreSQL a server-side cursor, so memory stays flat however long the
    log. Values come as the driver gives them (SQLite: JSON and times as text). The query
    takes no parameters: callers format their integers in. `binary` asks PostgreSQL for its
    binary format (a `bytea` then comes as its bytes, not as hex text to decode).
    """
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT 1")  # inside the SQLAlchemy transaction
        cursor = dbapi.cursor(name=f"recount_scan_{secrets.token_hex(4)}", binary=binary)
    else:
        cursor = dbapi.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(chunk):
            yield rows
            del rows  # not held while the next chunk is fetched
    finally:
        cursor.close()


def stream_rows_ahead(
    engine: Engine, sql: str, chunk: int = 5000, *, binary: bool = False, ahead: int = 2
) -> Generator[Sequence[Any], None, None]:
    """`stream_rows` on a connection of its own, read by a thread up to `ahead` chunks early.

    For a scan whose caller works on each chunk in Python (verify hashes every event): the
    database and the driver, which lets go of the GIL while it waits for rows, produce the next
    chunks meanwhile instead of idling, and memory stays bounded by `ahead` + 2 chunks. The
    connection sees what was committed when the query started; the caller reads anything else
    on its own connection. Stopping early (a failure found) stops the reader too.
    """
    chunks: queue.Queue[Sequence[Any] | BaseException | None] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def offer(item: Sequence[Any] | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            with engine.connect() as connection:
                rows = stream_rows(connection, sql, chunk, binary=binary)
                try:
                    for found in rows:
                        if not offer(found):
                            return
                finally:
                    rows.close()
        except BaseException as error:  # the caller raises it
            offer(error)
            return
        offer(None)

    reader = threading.Thread(target=read, name="recount-scan", daemon=True)
    reader.start()
    try:
        while (item := chunks.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


def stored_time(raw: object) -> datetime:
    """A time column as the driver returns it: SQLite's UTC text, PostgreSQL's aware datetime."""
    if isinstance(raw, str) and len(raw) == SQLITE_TIME and raw[-1].isdigit():
        return datetime.fromisoformat(raw + "+00:00")  # UTC in one C call: 5x faster than
        # parsing, then replace(tzinfo=), for the times of every report an answer shows
    return as_utc(raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw)))
