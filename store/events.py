"""The event store: appends that are checked, numbered, hashed and projected in one transaction.

`append_recorded` is the one other way in: events already recorded by another log (`recount
import`) keep their position, id, time and hash, and go through the same write.

Every append starts by writing the log head row, which serialises appends (a row lock on
PostgreSQL, the write lock on SQLite). Positions are therefore gapless and in commit order, and
`recorded_at` never goes backwards, so "known at K" is simply "position <= last position recorded
by K". A batch is all or nothing: one bad event and the transaction is rolled back whole.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError as DatabaseIntegrityError

from domain.canonical import (
    assembled_bytes,
    canonical_bytes,
    canonical_form,
    column_json,
    leaf_hash,
)
from domain.errors import IdempotencyKeyReused, IntegrityError, StreamConflict
from domain.events import PendingEvent, RecordedEvent, parse_event
from domain.times import format_time
from store.database import stored_time, stream_rows
from store.tables import events as events_table
from store.tables import log_head as head_table

CHUNK = 500  # bound on parameters in one IN (...) query

Clock = Callable[[], datetime]
AppendHook = Callable[[Connection, Sequence[RecordedEvent]], None]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AppendResult:
    """What an append did: the events it wrote, and those an idempotency key had already written."""

    appended: list[RecordedEvent]
    existing: list[RecordedEvent]

    @property
    def events(self) -> list[RecordedEvent]:
        return sorted(self.appended + self.existing, key=lambda e: e.position)


class EventStore:
    """Append to and read from the log. `on_append` hooks run inside the append's transaction."""

    def __init__(self, engine: Engine, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.clock = clock
        self.on_append: list[AppendHook] = []

    def append(self, pending: Sequence[PendingEvent]) -> AppendResult:
        try:
            with self.engine.begin() as connection:
                return self._append(connection, pending)
        except DatabaseIntegrityError as error:  # a race the head lock should make impossible
            raise StreamConflict("(concurrent append)", -1, -1) from error

    def _append(self, connection: Connection, pending: Sequence[PendingEvent]) -> AppendResult:
        head, last_time = _lock_head(connection)
        fresh, existing = _split_by_idempotency(connection, pending)
        if not fresh:
            return AppendResult([], existing)
        versions = _stream_versions(connection, {p.event.stream_id for p in fresh})
        now = self.clock()
        recorded_at = now if last_time is None or now > last_time else last_time
        recorded = []
        for offset, item in enumerate(fresh, start=1):
            stream_id = item.event.stream_id
            current = versions.get(stream_id, 0)
            if item.expected_version is not None and item.expected_version != current:
                raise StreamConflict(stream_id, item.expected_version, current)
            versions[stream_id] = current + 1
            recorded.append(_record(item, head + offset, current + 1, recorded_at))
        self._write(connection, recorded)
        return AppendResult(recorded, existing)

    def append_recorded(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        """Append events another log recorded (`recount import`), keeping what they are.

        The one way in besides `append`, and the same write: rows, projections, Merkle
        subtrees and head, in the caller's transaction. Position, event id, version,
        recorded_at and leaf hash come from the source, so leaf hashes and roots are the
        source's; each is checked first: the next position, the next version of its stream,
        a time not before the head's, and a leaf hash that is the hash of its canonical bytes.
        A failure raises IntegrityError naming the position; roll the transaction back.
        """
        if not events:
            return
        head, last_time = _lock_head(connection)
        versions = _stream_versions(connection, {e.stream_id for e in events})
        for expected, event in enumerate(events, start=head + 1):
            problem = _imported_problem(
                event, expected, versions.get(event.stream_id, 0), last_time
            )
            if problem:
                raise IntegrityError(f"position {expected}: {problem}", expected)
            versions[event.stream_id] = event.version
            last_time = event.recorded_at
        self._write(connection, events)

    def _write(self, connection: Connection, recorded: Sequence[RecordedEvent]) -> None:
        connection.execute(insert(events_table), [_row(e) for e in recorded])
        for hook in self.on_append:
            hook(connection, recorded)
        connection.execute(
            update(head_table).values(
                position=recorded[-1].position, recorded_at=recorded[-1].recorded_at
            )
        )

    def head(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(head_table.c.position)).scalar_one())

    def position_known_at(self, known_at: datetime) -> int:
        """The last position recorded at or before `known_at` (0 if none)."""
        query = select(func.max(events_table.c.position)).where(
            events_table.c.recorded_at <= known_at
        )
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one() or 0)

    def read(
        self, after: int = 0, limit: int | None = None, batch: int = 2000
    ) -> Iterator[RecordedEvent]:
        """Events in position order, fetched in batches so a large log is never held in memory."""
        remaining = limit
        while remaining is None or remaining > 0:
            size = batch if remaining is None else min(batch, remaining)
            query = (
                select(events_table)
                .where(events_table.c.position > after)
                .order_by(events_table.c.position)
                .limit(size)
            )
            with self.engine.connect() as connection:
                rows = connection.execute(query).all()
            yield from (recorded_event(row._mapping) for row in rows)
            if len(rows) < size:
                return
            after = rows[-1].position
            if remaining is not None:
                remaining -= len(rows)

    def get(self, position: int) -> RecordedEvent | None:
        return next(self.read(after=position - 1, limit=1), None) if position > 0 else None


def _lock_head(connection: Connection) -> tuple[int, datetime | None]:
    """Write the head row first: appends serialise on it, so positions are gapless."""
    connection.execute(update(head_table).values(position=head_table.c.position))
    head, last_time = connection.execute(
        select(head_table.c.position, head_table.c.recorded_at)
    ).one()
    return int(head), last_time


def _imported_problem(
    event: RecordedEvent, position: int, version: int, last_time: datetime | None
) -> str | None:
    """What keeps an imported event from being the next one in this log, if anything."""
    if event.position != position:
        return f"the log is at {position - 1}, the event says position {event.position}"
    if event.version != version + 1:
        return f"{event.stream_id} is at version {version}, the event says {event.version}"
    if last_time is not None and event.recorded_at < last_time:
        return "recorded before the event it follows"
    assembled = assembled_bytes(  # the canonical bytes when data and metadata are plain
        position=event.position,
        event_id=event.event_id,
        stream_id=event.stream_id,
        version=event.version,
        type=event.type,
        data_json=column_json(event.data),
        metadata_json=column_json(event.metadata),
        recorded_at=format_time(event.recorded_at),
    )
    if leaf_hash(assembled) == event.leaf_hash:
        return None
    form = canonical_form(
        position=event.position,
        event_id=event.event_id,
        stream_id=event.stream_id,
        version=event.version,
        type=event.type,
        data=event.data,
        metadata=event.metadata,
        recorded_at=event.recorded_at,
    )
    if leaf_hash(canonical_bytes(form)) != event.leaf_hash:
        return "its content does not hash to its leaf hash"
    return None


def _split_by_idempotency(
    connection: Connection, pending: Sequence[PendingEvent]
) -> tuple[list[PendingEvent], list[RecordedEvent]]:
    """Drop events whose key is already in the log (or earlier in the batch)."""
    keys = [p.idempotency_key for p in pending if p.idempotency_key is not None]
    stored: dict[str, RecordedEvent] = {}
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        query = select(events_table).where(events_table.c.idempotency_key.in_(chunk))
        for row in connection.execute(query):
            stored[row.idempotency_key] = recorded_event(row._mapping)
    fresh: list[PendingEvent] = []
    seen: set[str] = set()
    for item in pending:
        key = item.idempotency_key
        if key is None:
            fresh.append(item)
        elif key in stored:
            earlier = stored[key]
            if (earlier.type, earlier.stream_id) != (item.event.type, item.event.stream_id):
                raise IdempotencyKeyReused(
                    f"idempotency key {key!r} was used for another {earlier.type} "
                    f"on {earlier.stream_id}"
                )
        elif key not in seen:
            seen.add(key)
            fresh.append(item)
    existing = [stored[k] for k in dict.fromkeys(keys) if k in stored]
    return fresh, existing


def _stream_versions(connection: Connection, streams: set[str]) -> dict[str, int]:
    names = sorted(streams)
    versions: dict[str, int] = {}
    for start in range(0, len(names), CHUNK):
        query = (
            select(events_table.c.stream_id, func.max(events_table.c.version))
            .where(events_table.c.stream_id.in_(names[start : start + CHUNK]))
            .group_by(events_table.c.stream_id)
        )
        versions.update({stream: int(version) for stream, version in connection.execute(query)})
    return versions


def _record(
    item: PendingEvent, position: int, version: int, recorded_at: datetime
) -> RecordedEvent:
    data = item.event.to_data()
    metadata = dict(item.metadata or {})
    event_id = str(uuid.uuid4())
    form = canonical_form(
        position=position,
        event_id=event_id,
        stream_id=item.event.stream_id,
        version=version,
        type=item.event.type,
        data=data,
        metadata=metadata,
        recorded_at=recorded_at,
    )
    return RecordedEvent(
        position=position,
        event_id=event_id,
        stream_id=item.event.stream_id,
        version=version,
        type=item.event.type,
        data=data,
        metadata=metadata,
        recorded_at=recorded_at,
        idempotency_key=item.idempotency_key,
        leaf_hash=leaf_hash(canonical_bytes(form)),
        parsed=item.event,
    )


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


def _row(event: RecordedEvent) -> dict[str, Any]:
    return {column: getattr(event, column) for column in EVENT_COLUMNS}


def recorded_event(row: Any) -> RecordedEvent:
    fields = {column: row[column] for column in EVENT_COLUMNS}
    return RecordedEvent(**{**fields, "leaf_hash": bytes(fields["leaf_hash"])})


def scan(connection: Connection, limit: int, chunk: int = 5000) -> Iterator[list[RecordedEvent]]:
    """Positions 1..limit, `chunk` events at a time, as raw rows from the driver.

    For the passes over the whole log (replay, its check): several times faster than `read`,
    with memory flat on both backends (`stream_rows`). Each event comes parsed, once.
    """
    query = _SCAN.format(limit=int(limit))
    times: dict[object, datetime] = {}
    for rows in stream_rows(connection, query, chunk):
        batch = []
        for position, event_id, stream, version, kind, data, meta, recorded, key, leaf in rows:
            moment = times.get(recorded)
            if moment is None:
                if len(times) > 4096:
                    times.clear()
                moment = times[recorded] = stored_time(recorded)
            fields = _json(data)[0]
            batch.append(
                RecordedEvent(
                    position=position,
                    event_id=event_id,
                    stream_id=stream,
                    version=version,
                    type=kind,
                    data=fields,
                    metadata=_json(meta)[0],
                    recorded_at=moment,
                    idempotency_key=key,
                    leaf_hash=bytes(leaf),
                    parsed=parse_event(kind, fields),
                )
            )
        yield batch


_json = json.JSONDecoder().raw_decode  # stored JSON has no surrounding space to skip
_SCAN = (
    "SELECT position, event_id, stream_id, version, type, CAST(data AS TEXT), "
    "CAST(metadata AS TEXT), recorded_at, idempotency_key, leaf_hash FROM events "
    "WHERE position <= {limit} ORDER BY position"
)
