"""Replay: rebuild every projection from the log, or rebuild a scratch copy and compare.

The scratch copy is a temporary SQLite file holding only the projection tables, whatever the live
database is, so a check never writes to the live projections it is judging.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, select

from domain.events import RecordedEvent
from store import projections
from store.database import create_database_engine
from store.events import EventStore
from store.projections import Projector

Progress = Callable[[int], None]
BATCH = 2000


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
    """Empty the projections and rebuild them from position 0, in one transaction."""
    with store.engine.begin() as connection:
        projections.clear(connection, projectors)
        return _replay_into(connection, store.read(batch=BATCH), projectors, progress)


def check(
    store: EventStore, projectors: Sequence[Projector], progress: Progress | None = None
) -> Difference | None:
    """Rebuild into a scratch copy and return the first difference from the live projections."""
    with tempfile.TemporaryDirectory() as folder:
        scratch = create_database_engine(f"sqlite:///{Path(folder) / 'scratch.db'}")
        try:
            scratch_metadata = MetaData()
            tables = [table for projector in projectors for table in projector.tables]
            for table in tables:
                table.to_metadata(scratch_metadata)
            scratch_metadata.create_all(scratch)
            head = store.head()
            with scratch.begin() as connection:
                read = store.read(limit=head, batch=BATCH)
                _replay_into(connection, read, projectors, progress)
            return _first_difference(store.engine, scratch, tables)
        finally:
            scratch.dispose()


def _replay_into(
    connection: Connection,
    events: Iterator[RecordedEvent],
    projectors: Sequence[Projector],
    progress: Progress | None,
) -> int:
    count = 0
    batch: list[RecordedEvent] = []
    for event in events:
        batch.append(event)
        if len(batch) == BATCH:
            count += _apply(connection, batch, projectors, progress)
            batch = []
    return count + _apply(connection, batch, projectors, progress)


def _apply(
    connection: Connection,
    batch: list[RecordedEvent],
    projectors: Sequence[Projector],
    progress: Progress | None,
) -> int:
    if batch:
        for projector in projectors:
            projector.apply(connection, batch)
        if progress is not None:
            progress(len(batch))
    return len(batch)


def _first_difference(live: Engine, rebuilt: Engine, tables: list[Any]) -> Difference | None:
    for table in tables:
        live_rows = _rows(live, table)
        rebuilt_rows = _rows(rebuilt, table)
        for key in sorted(set(live_rows) | set(rebuilt_rows), key=repr):
            a, b = live_rows.get(key), rebuilt_rows.get(key)
            if a != b:
                return Difference(table.name, key, a, b)
    return None


def _rows(engine: Engine, table: Any) -> dict[tuple[Any, ...], dict[str, Any]]:
    keys = [c.name for c in table.primary_key.columns]
    with engine.connect() as connection:
        rows = connection.execute(select(table)).mappings().all()
    return {tuple(row[k] for k in keys): dict(row) for row in rows}
