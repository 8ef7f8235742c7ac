"""Recount against its peers, in one process: appends, as-of reads, replay and verify.

    .venv/bin/python -m bench.peers --events 20000 [--url postgresql+psycopg://...] [--json]

- Appends: the same FigureReported payloads go (a) through Recount's event store (checked,
  hashed, projected, Merkle subtrees, in one transaction), (b) through `eventsourcing`'s
  application recorder on equivalent settings (the payload encoded by its JSONTranscoder, then
  `insert_events`), and (c) as raw driver INSERTs of the finished event rows into an identical
  events table. Batches of --batch events and --singles one-event appends, the contenders taking
  turns round by round so that load on the machine falls on all of them alike.
- `asof_figure_vs_sql`: one figure's as-of answer as the API serves it (read and written as JSON
  bytes), as a multiple of a hand-written indexed SQL query for the same current value (lower
  is better; 1.0 is par).
- `asof_growth_10k_to_1m`: the same measure's time at 1M events over its time at 10k (only when
  run with --events 1000000; null otherwise). `--analyze` (PostgreSQL) gathers the planner's
  statistics after the appends, as autovacuum would within a minute; without it the reads run
  on tables never analyzed.
- `replay_events_per_s`, `verify_events_per_s`: the public replay and live verify on the log of
  --events events.

On SQLite each contender gets its own file with WAL and synchronous=NORMAL (Recount's settings,
given to the peer too); on PostgreSQL each gets its own schema on the server --url names.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.schemas import FigureOut
from bench.core import START, fresh_archive, report
from domain.canonical import canonical_bytes, canonical_form, leaf_hash
from domain.events import FigureReported, PendingEvent
from domain.figures import Window
from domain.qualifiers import VAGUE_BOUNDS
from services.archive import Archive
from services.audit import replay, verify_live
from services.figures import figure_answer

ROW_SQL = (
    "INSERT INTO events (position, event_id, stream_id, version, type, data, metadata, "
    "recorded_at, idempotency_key, leaf_hash) VALUES ({marks})"
)


@dataclass
class Payloads:
    """The workload: typed events for Recount, their dicts for the peer, finished rows for raw."""

    events: list[FigureReported]
    data: list[dict[str, Any]]
    versions: list[int]


def payloads(count: int, seed: int) -> Payloads:
    rng = random.Random(seed)
    events = [report(n, rng) for n in range(count)]
    counts: dict[str, int] = {}
    versions = []
    for event in events:
        counts[event.stream_id] = counts.get(event.stream_id, 0) + 1
        versions.append(counts[event.stream_id])
    return Payloads(events, [e.to_data() for e in events], versions)


# --- contenders -------------------------------------------------------------------------------


class Contender:
    name = ""

    def append(self, start: int, stop: int) -> None:
        raise NotImplementedError


class RecountContender(Contender):
    name = "recount"

    def __init__(self, archive: Archive, work: Payloads) -> None:
        self.archive = archive
        self.pending = [PendingEvent(e) for e in work.events]

    def append(self, start: int, stop: int) -> None:
        self.archive.events.append(self.pending[start:stop])


class PeerContender(Contender):
    """eventsourcing's application recorder: its transcoder encodes, its recorder inserts."""

    name = "eventsourcing"

    def __init__(self, recorder: Any, work: Payloads) -> None:
        from eventsourcing.persistence import JSONTranscoder, StoredEvent

        self.recorder = recorder
        self.transcoder = JSONTranscoder()
        self.stored_event = StoredEvent
        self.work = work

    def append(self, start: int, stop: int) -> None:
        work, encode, stored = self.work, self.transcoder.encode, self.stored_event
        batch = [
            stored(
                work.events[n].stream_id, work.versions[n], "FigureReported", encode(work.data[n])
            )
            for n in range(start, stop)
        ]
        self.recorder.insert_events(batch)


class RawContender(Contender):
    """The driver alone: finished event rows, executemany, one transaction per append."""

    name = "raw"

    def __init__(self, connection: Any, work: Payloads, sqlite: bool) -> None:
        self.connection = connection
        self.sqlite = sqlite
        self.sql = ROW_SQL.format(marks=", ".join(["?" if sqlite else "%s"] * 10))
        recorded_at = datetime.now(UTC)
        self.rows = [_raw_row(n + 1, work, n, recorded_at, sqlite) for n in range(len(work.data))]

    def append(self, start: int, stop: int) -> None:
        if self.sqlite:
            self.connection.execute("BEGIN")
            self.connection.executemany(self.sql, self.rows[start:stop])
            self.connection.execute("COMMIT")
        else:
            with self.connection.transaction(), self.connection.cursor() as cursor:
                cursor.executemany(self.sql, self.rows[start:stop])


def _raw_row(
    position: int, work: Payloads, n: int, recorded_at: datetime, sqlite: bool
) -> tuple[Any, ...]:
    event_id = str(uuid.uuid4())
    stream = work.events[n].stream_id
    form = canonical_form(
        position=position,
        event_id=event_id,
        stream_id=stream,
        version=work.versions[n],
        type="FigureReported",
        data=work.data[n],
        metadata={},
        recorded_at=recorded_at,
    )
    data = json.dumps(work.data[n], separators=(",", ":"))
    moment: Any = recorded_at.replace(tzinfo=None).isoformat(" ") if sqlite else recorded_at
    return (
        position,
        event_id,
        stream,
        work.versions[n],
        "FigureReported",
        data,
        "{}",
        moment,
        None,
        leaf_hash(canonical_bytes(form)),
    )


# --- databases --------------------------------------------------------------------------------


@contextmanager
def peer_recorder(url: str | None, folder: Path) -> Iterator[Any]:
    """An eventsourcing application recorder on a fresh SQLite file or PostgreSQL schema."""
    if url is None:
        from eventsourcing.sqlite import (
            SQLiteApplicationRecorder,
            SQLiteConnectionPool,
            SQLiteDatastore,
        )

        class NormalSyncPool(SQLiteConnectionPool):
            def _create_connection(self) -> Any:
                connection = super()._create_connection()
                connection._sqlite_conn.execute("PRAGMA synchronous=NORMAL")
                return connection

        datastore = SQLiteDatastore(str(folder / "peer.db"), originator_id_type="text")
        datastore.pool = NormalSyncPool(db_name=str(folder / "peer.db"))
        recorder = SQLiteApplicationRecorder(datastore)
        recorder.create_table()
        yield recorder
        datastore.close()
        return
    from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

    parsed = make_url(url)
    with pg_schema(url) as (schema, _):
        pg_datastore = PostgresDatastore(
            dbname=parsed.database or "",
            host=parsed.host or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username or "",
            password=parsed.password or "",
            schema=schema,
            originator_id_type="text",
        )
        pg_recorder = PostgresApplicationRecorder(pg_datastore)
        pg_recorder.create_table()
        yield pg_recorder
        pg_datastore.close()


@contextmanager
def pg_schema(url: str) -> Iterator[tuple[str, str]]:
    """A fresh schema, dropped afterwards; yields its name and a URL scoped to it."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield schema, scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@contextmanager
def raw_connection(archive: Archive) -> Iterator[Any]:
    """A plain driver connection to a migrated Recount database (the same tables and triggers)."""
    url = archive.engine.url
    if url.get_backend_name() == "sqlite":
        lite = sqlite3.connect(url.database or "", isolation_level=None)
        lite.execute("PRAGMA journal_mode=WAL")
        lite.execute("PRAGMA synchronous=NORMAL")
        yield lite
        lite.close()
        return
    import psycopg

    options = url.query.get("options")
    connection = psycopg.connect(
        host=url.host,
        port=url.port,
        dbname=url.database,
        user=url.username,
        password=url.password,
        options=options if isinstance(options, str) else None,
    )
    yield connection
    connection.close()


# --- measures ---------------------------------------------------------------------------------


def take_turns(contenders: Sequence[Contender], count: int, size: int) -> dict[str, float]:
    """Seconds each contender spent appending `count` events `size` at a time, in turns."""
    spent = {c.name: 0.0 for c in contenders}
    for round_number, start in enumerate(range(0, count, size)):
        stop = min(count, start + size)
        shift = round_number % len(contenders)
        for contender in [*contenders[shift:], *contenders[:shift]]:
            began = time.perf_counter()
            contender.append(start, stop)
            spent[contender.name] += time.perf_counter() - began
    return spent


def appends(
    url: str | None, count: int, size: int, seed: int, stack: ExitStack
) -> tuple[dict[str, float], Archive]:
    """Rates (events/s) of the three contenders; Recount's archive stays open in `stack`."""
    work = payloads(count, seed)
    archive = stack.enter_context(fresh_archive(url))
    with ExitStack() as others:
        folder = Path(others.enter_context(tempfile.TemporaryDirectory()))
        raw_archive = others.enter_context(fresh_archive(url))
        recorder = others.enter_context(peer_recorder(url, folder))
        connection = others.enter_context(raw_connection(raw_archive))
        contenders: list[Contender] = [
            RecountContender(archive, work),
            PeerContender(recorder, work),
            RawContender(connection, work, url is None),
        ]
        spent = frozen(lambda: take_turns(contenders, count, size))
    return {name: count / seconds for name, seconds in spent.items()}, archive


def frozen(work: Callable[[], dict[str, float]]) -> dict[str, float]:
    """`work` with every object alive before it (the payloads, the contenders' setup) out of
    the collector's reach (`gc.freeze`).

    Otherwise a full collection walks the whole workload (about 170 ms for 20,000 events),
    and whichever contender's allocations happen to trigger it is charged for it: one such
    collection, charged to Recount with one tree and to the peer with the next (whose appends
    differ by a few µs an event), moved `batch_vs_peer` from 0.76 to 1.03 (session 25).
    Collections of what the appends themselves leave still count.
    """
    gc.collect()
    gc.freeze()
    try:
        return work()
    finally:
        gc.unfreeze()


# --- reads ------------------------------------------------------------------------------------

VAGUE = ", ".join(f"'{q.value}'" for q in VAGUE_BOUNDS)
CURRENT_SQL = (
    "SELECT value FROM reports WHERE subject = {m} AND metric = {m} AND reported_at <= {m} "
    "AND position <= {m} AND value IS NOT NULL AND status = 'reported' AND subset_of IS NULL "
    f"AND qualifier NOT IN ({VAGUE}) "
    "AND (retraction_position IS NULL OR retraction_position > {m}) "
    "ORDER BY reported_at DESC, position DESC LIMIT 1"
)


def analyze(archive: Archive) -> None:
    """On PostgreSQL, gather the planner's statistics now, as autovacuum does within a minute
    of a load: a table never analyzed has none, and its plans are guesses (`--analyze`)."""
    if archive.engine.url.get_backend_name() != "sqlite":
        with archive.engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def current_query(
    archive: Archive, subject: str, metric: str, as_of: datetime, head: int
) -> tuple[str, tuple[Any, ...]]:
    """`CURRENT_SQL` and its parameters for the raw driver of the archive's database."""
    sqlite = archive.engine.url.get_backend_name() == "sqlite"
    statement = CURRENT_SQL.replace("{m}", "?" if sqlite else "%s")
    moment: Any = as_of.replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else as_of
    return statement, (subject, metric, moment, head, head)


def asof_seconds(archive: Archive, repeat: int = 30) -> tuple[float, float]:
    """Median seconds of one figure's as-of answer: the route's (read, then written as JSON
    bytes), then hand-written SQL for its current value.

    The figure is the first subject's deaths (N/200 reports); as_of falls in the middle of the
    story. Both must give the same current value.
    """
    subject, metric = "subject-0", "deaths"
    head = archive.events.head()
    as_of = START + timedelta(minutes=head // 2)
    ours: list[float] = []
    answer = b""
    for _ in range(repeat):
        began = time.perf_counter()
        found, _ = figure_answer(archive, subject, metric, Window(as_of))
        answer = FigureOut.encoded(found, "/")
        ours.append(time.perf_counter() - began)
    statement, params = current_query(archive, subject, metric, as_of, head)
    sql: list[float] = []
    value = None
    with raw_connection(archive) as connection:
        for _ in range(repeat):
            began = time.perf_counter()
            row = connection.execute(statement, params).fetchone()
            value = row[0] if row else None
            sql.append(time.perf_counter() - began)
    current = (orjson.loads(answer)["current"] or {}).get("value")
    assert current == value, f"the project says {current}, the SQL says {value}"
    return statistics.median(ours), statistics.median(sql)


def rate(count: int, work: Callable[[], object]) -> float:
    """Events/s of one pass. A full collection first: this process holds the bench's payloads
    (tens of thousands of objects), and whichever pass met the collection the last one left
    owing paid for walking them all (live verify after replay: 115k to 219k ev/s, same code)."""
    gc.collect()
    began = time.perf_counter()
    work()
    return count / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--singles", type=int, default=1000)
    parser.add_argument("--url", help="a PostgreSQL URL; SQLite files if absent")
    parser.add_argument("--json", action="store_true", help="print one JSON object, one line")
    parser.add_argument(
        "--analyze", action="store_true", help="PostgreSQL: ANALYZE after the appends"
    )
    args = parser.parse_args()
    with ExitStack() as stack:
        single, _ = appends(args.url, min(args.singles, args.events), 1, 2, stack)
        batch, archive = appends(args.url, args.events, args.batch, 1, stack)
        if args.analyze:
            analyze(archive)
        ours, sql = asof_seconds(archive)
        growth = None
        if args.events >= 1_000_000:
            small = stack.enter_context(fresh_archive(args.url))
            RecountContender(small, payloads(10_000, 1)).append(0, 10_000)
            growth = round(ours / asof_seconds(small)[0], 3)
        replayed = rate(args.events, lambda: replay(archive))
        verified = rate(args.events, lambda: verify_live(archive))
    result = {
        "database": "postgresql" if args.url else "sqlite",
        "events": args.events,
        "batch_events_per_s": {k: round(v) for k, v in batch.items()},
        "single_appends_per_s": {k: round(v) for k, v in single.items()},
        "batch_vs_peer": round(batch["recount"] / batch["eventsourcing"], 3),
        "single_vs_peer": round(single["recount"] / single["eventsourcing"], 3),
        "batch_vs_raw": round(batch["recount"] / batch["raw"], 3),
        "single_vs_raw": round(single["recount"] / single["raw"], 3),
        "asof_ms": {"recount": round(ours * 1000, 3), "sql": round(sql * 1000, 3)},
        "asof_figure_vs_sql": round(ours / sql, 2),
        "asof_growth_10k_to_1m": growth,
        "replay_events_per_s": round(replayed),
        "verify_events_per_s": round(verified),
    }
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
