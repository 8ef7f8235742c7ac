"""Replay: rebuild every projection from the log, or rebuild a scratch copy and compare.

Both stream the log from the driver (`scan`) and hand it to the projectors in large batches:
to a projector's `replay` where it has one (the reports, figures and documents: store/rebuild.py,
set-based, from the stored data), else to its `apply`, the code every append runs. Either way
the same rows as the appends built; `check` is what proves it.

The scratch copy is a temporary SQLite file holding only the projection tables, whatever the live
database is, so a check never writes to the live projections it is judging. The comparison
walks both copies table by table in primary-key order, a chunk at a time, and stops at the
first difference: memory stays flat however long the log.
"""

from __future__ import annotations

import gc
import itertools
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, MetaData, Table, event, select, update

from store import bulk, ordinals, projections, search
from store.database import create_database_engine, stream_rows
from store.events import EventStore
from store.log import scan
from store.merkle import head
from store.projections import Projector
from store.tables import log_head

Progress = Callable[[int], None]
BATCH = 5000
COMPARE_CHUNK = 2000


@dataclass(frozen=True)
class Difference:
    table: str
    key: tuple[Any, ...]
    live: dict[str, Any] | None
    rebuilt: dict[str, Any] | None

    def __str__(self) -> str:
        if self.live is None or self.rebuilt is None:
            where = "rebuilt" if self.live is None else "live"
            return f"{self.table} {self.key}: only in the {where} projection"
        columns = [c for c in self.live if self.live[c] != self.rebuilt.get(c)]
        return (
            f"{self.table} {self.key}: column {columns[0]!r} is {self.live[columns[0]]!r} "
            f"live but {self.rebuilt.get(columns[0])!r} rebuilt"
        )


def replay(
    store: EventStore, projectors: Sequence[Projector], progress: Progress | None = None
) -> int:
    """Empty the projections and rebuild them from position 1, in one transaction.

    The log head is locked first, so no append lands halfway through the rebuild.
    """
    with store.engine.begin() as connection:
        connection.execute(update(log_head).values(position=log_head.c.position))
        with search.indexed_at_the_end(connection):
            _emptied(connection, projectors)
            size = head(connection)
            count = _replay_into(connection, connection, size, projectors, progress, from_log=True)
        bulk.gather_statistics(connection, [t for p in projectors for t in p.tables])
        return count


def _emptied(connection: Connection, projectors: Sequence[Projector]) -> None:
    """The projections emptied for a replay: on PostgreSQL by TRUNCATE, which gives each table
    and index new, empty files, in the replay's transaction (a rollback keeps the old ones).

    DELETE left every old row and index entry dead beside the new ones until a vacuum: each
    COPY checked each new report id against its dead twin in the primary key, the index
    builds and ANALYZE walked them, and the tables doubled on disk (a 20,000-event replay:
    0.75 s of the server's time, 0.38 s after TRUNCATE). Readers lose nothing by it: the
    replay's DROP INDEX already locks them out until the commit, and a READ COMMITTED reader
    (the archive's only level) takes its snapshot once the lock is granted, so it sees the
    new rows either way.
    """
    names = [f'"{table.name}"' for projector in projectors for table in projector.tables]
    if connection.dialect.name == "postgresql" and names:
        connection.exec_driver_sql("TRUNCATE " + ", ".join(names))
    else:
        projections.clear(connection, projectors)


def check(
    store: EventStore, projectors: Sequence[Projector], progress: Progress | None = None
) -> Difference | None:
    """Rebuild into a scratch copy and return the first difference from the live projections."""
    tables = [table for projector in projectors for table in projector.tables]
    with tempfile.TemporaryDirectory() as folder:
        scratch = create_database_engine(f"sqlite:///{Path(folder) / 'scratch.db'}")
        event.listen(scratch, "connect", _throwaway)
        try:
            scratch_metadata = MetaData()
            for table in tables:
                table.to_metadata(scratch_metadata)
            scratch_metadata.create_all(scratch)
            with store.engine.connect() as live:
                with scratch.begin() as rebuilt:
                    _replay_into(live, rebuilt, head(live), projectors, progress)
                with scratch.connect() as rebuilt:
                    return _first_difference(live, rebuilt, tables)
        finally:
            scratch.dispose()


def _throwaway(dbapi_connection: Any, _record: Any) -> None:
    """The scratch file is deleted afterwards: no need to make its writes durable."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def _replay_into(
    source: Connection,
    target: Connection,
    size: int,
    projectors: Sequence[Projector],
    progress: Progress | None,
    from_log: bool = False,
) -> int:
    """Every batch through the projectors; `from_log`: the target holds the log's rows too."""
    count = 0
    handlers = [
        (projector.from_log if from_log else None) or projector.replay or projector.apply
        for projector in projectors
    ]
    tables = [table for projector in projectors for table in projector.tables]
    with (
        bulk.indexes_built_at_the_end(target, tables),  # before `finish`
        _collector_off(),
        ordinals.kept_through_a_load(target),  # the tables were emptied: the tails start whole
    ):
        for batch in scan(source, size, BATCH, between=_collect_young):
            for handler in handlers:
                handler(target, batch)
            count += len(batch)
            if progress is not None:
                progress(len(batch))
            del batch  # let go before the next is read: one batch in memory at a time
    for projector in projectors:
        if projector.finish is not None:
            projector.finish(target)
    return count


@contextmanager
def _collector_off() -> Iterator[None]:
    """Python's cycle collector off for the block, back as it was after (even on an error).

    A batch is thousands of young objects (each event's decoded data) that all live until it
    is done: left on, the collector walked them again and again as they were made, and each
    older generation's pass walked the whole heap (a sixth of a replay's time on SQLite).
    A replay makes next to no cycles (10 objects for 20,000 events); what it makes is freed
    between batches (`_collect_young`), so memory stays flat.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _collect_young() -> None:
    """Between batches, once the last is let go: the youngest generation holds only what
    outlived it, so this pass is short. Not the older ones: each such pass counts toward
    the next full collection, which then fell on whatever the process did after the replay
    (0.06 s of a live verify's 0.17 s in bench.peers)."""
    gc.collect(0)


def _first_difference(
    live: Connection, rebuilt: Connection, tables: Sequence[Table]
) -> Difference | None:
    for table in tables:
        if _same_stored_rows(live, rebuilt, table):
            continue
        difference = _table_difference(table, _ordered(live, table), _ordered(rebuilt, table))
        if difference is not None:
            return difference
    return None


Keyed = tuple[tuple[Any, ...], tuple[Any, ...]]  # (primary key, the whole row)


def _table_difference(
    table: Table, live: Iterator[Keyed], rebuilt: Iterator[Keyed]
) -> Difference | None:
    """Merge two streams ordered by key; the first key where they part, if any."""
    names = [c.name for c in table.columns]

    def named(row: tuple[Any, ...]) -> dict[str, Any]:
        return dict(zip(names, row, strict=True))

    a, b = next(live, None), next(rebuilt, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            assert a is not None
            return Difference(table.name, a[0], named(a[1]), None)
        if a is None or b[0] < a[0]:
            return Difference(table.name, b[0], None, named(b[1]))
        if a[1] != b[1]:
            return Difference(table.name, a[0], named(a[1]), named(b[1]))
        a, b = next(live, None), next(rebuilt, None)
    return None


def _same_stored_rows(live: Connection, rebuilt: Connection, table: Table) -> bool:
    """Whether two SQLite copies of `table` hold the same rows, compared as stored.

    Both were written through the same column types, so equal rows are stored alike and a
    chunk of raw rows compares in one step. False says only "look closer": the typed merge
    then finds (or rules out) the difference and names it.
    """
    if live.dialect.name != "sqlite":
        return False
    columns = ", ".join(f'"{c.name}"' for c in table.columns)
    order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
    query = f'SELECT {columns} FROM "{table.name}" ORDER BY {order}'
    ours, theirs = (
        stream_rows(live, query, COMPARE_CHUNK),
        stream_rows(rebuilt, query, COMPARE_CHUNK),
    )
    try:
        return all(a == b for a, b in itertools.zip_longest(ours, theirs))
    finally:
        ours.close()
        theirs.close()


def _ordered(connection: Connection, table: Table) -> Iterator[Keyed]:
    """(primary key, row) in primary-key order, streamed a chunk at a time.

    Text keys are ordered by code point on both backends (PostgreSQL's "C" collation, SQLite's
    binary one), which is also Python's order, so the two streams merge.
    """
    keys = list(table.primary_key.columns)
    postgres = connection.dialect.name == "postgresql"
    order = [c.collate("C") if postgres and _is_text(c) else c for c in keys]
    query = select(table).order_by(*order).execution_options(yield_per=COMPARE_CHUNK)
    where = [list(table.columns).index(c) for c in keys]
    for row in connection.execute(query):
        values = tuple(row)
        yield tuple(values[i] for i in where), values


def _is_text(column: Any) -> bool:
    try:
        return column.type.python_type is str
    except NotImplementedError:
        return False
