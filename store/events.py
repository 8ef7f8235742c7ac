"""The event store: appends that are checked, numbered, hashed and projected in one transaction.

Every append starts by writing the log head row, which serialises appends (a row lock on
PostgreSQL, the write lock on SQLite). Positions are therefore gapless and in commit order, and
`recorded_at` never goes backwards, so "known at K" is simply "position <= last position recorded
by K". A batch is all or nothing: one bad event and none of that batch is written.

How the parts fit: `store.numbering` makes pending events into numbered ones, `store.group_commit`
gathers concurrent appends into one transaction, `store.log` holds the table's statements, and
the `on_append` hooks (projections, Merkle subtrees) write in the same transaction. What this
store's last commit left (the head, stream versions) is remembered and used again only while
the head is still where that commit put it, which in a log that only grows means nothing was
written since.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from domain.canonical import canonical_text
from domain.errors import IdempotencyKeyReused, IntegrityError, StreamConflict
from domain.events import PendingEvent, RecordedEvent
from domain.times import format_time
from store import log
from store.group_commit import GroupCommit
from store.numbering import (
    AppendResult,
    Batch,
    Encoded,
    Stamp,
    encode,
    imported_problem,
    number,
)
from store.rows import COPY_FROM, db_time, flush_before_other_statements
from store.tables import events as events_table
from store.tables import log_head as head_table

REMEMBERED_STREAMS = 50_000  # stream versions kept between appends, at most

Clock = Callable[[], datetime]
AppendHook = Callable[[Connection, Sequence[RecordedEvent]], None]

__all__ = ["AppendHook", "AppendResult", "Clock", "EventStore", "system_clock"]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Known:
    """What this store's last commit left: valid while the head is still at `head`."""

    head: int | None = None
    last_time: datetime | None = None  # the recorded_at of the head
    versions: dict[str, int] = field(default_factory=dict)

    def forget(self) -> None:
        self.head = self.last_time = None
        self.versions.clear()


class EventStore:
    """Append to and read from the log. `on_append` hooks run inside the append's transaction."""

    def __init__(self, engine: Engine, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.clock = clock
        self.on_append: list[AppendHook] = []
        self._known = _Known()
        self._presuming = False  # whether the group being written was numbered unread
        self._group = GroupCommit(engine, self._write, self._remember, self._lost)
        flush_before_other_statements(engine)

    def close(self) -> None:
        """Give back the connection appends keep (the engine's pool is the owner's to dispose)."""
        self._group.close()

    def append(self, pending: Sequence[PendingEvent]) -> AppendResult:
        return self._group.submit(Batch([encode(item) for item in pending]))

    @property
    def waiting(self) -> int:
        """How many batches are queued for the next group (0 when appends do not overlap)."""
        return self._group.waiting

    def _write(self, connection: Connection, group: list[Batch]) -> list[RecordedEvent]:
        """Number every batch of the group after the head and write those that pass.

        The head is locked and read first, with the versions of the streams this store has
        not seen, unless the group may be numbered from what this store's last commit left
        (`_presumed`).
        """
        known = self._known
        items = [e for batch in group for e in batch.encoded]
        streams = {e.stream_id for e in items}
        self._presuming = self._may_presume(connection, items)
        if self._presuming:
            assert known.head is not None
            versions = {s: known.versions.get(s, 0) for s in streams}
            written = self._number(connection, group, known.head, known.last_time, versions, {})
            if written is not None:
                return self._presumed(connection, group, written)
            self._presuming = False  # a conflict with what was presumed: read and decide
            for batch in group:
                batch.outcome = None
        unknown = streams - known.versions.keys()  # read with the head, in one round trip
        head, last_time, versions = log.lock_head(connection, unknown)
        if known.head != head:  # another writer moved the head: what this store knew is stale
            known.forget()
        else:
            versions.update((s, known.versions[s]) for s in streams - unknown)
        versions.update(log.stream_versions(connection, streams - versions.keys() - unknown))
        stored = log.stored_by_key(connection, [e.pending.idempotency_key for e in items])
        written = self._number(connection, group, head, last_time, versions, stored)
        assert written is not None
        if not written:
            return written
        _write_with_hooks(connection, self.on_append, group, written)
        log.move_head(
            connection, written[-1].position, db_time(connection.dialect)(written[-1].recorded_at)
        )
        return written

    def _number(
        self,
        connection: Connection,
        group: list[Batch],
        head: int,
        last_time: datetime | None,
        versions: dict[str, int],
        stored: dict[str, RecordedEvent],
    ) -> list[RecordedEvent] | None:
        """Number the group's batches in turn from `head`; each conflict goes to its batch.

        When presuming, a conflict may come from what was presumed: None, and nothing is kept.
        """
        now = self.clock()
        recorded_at = now if last_time is None or now > last_time else last_time
        value = db_time(connection.dialect)(recorded_at)
        stamp = Stamp(recorded_at, format_time(recorded_at), value)
        written: list[RecordedEvent] = []
        by_key: dict[str, RecordedEvent] = {}
        for batch in group:
            try:
                batch.outcome = number(batch, head + len(written), versions, stored, by_key, stamp)
            except (StreamConflict, IdempotencyKeyReused) as error:
                if self._presuming:
                    return None
                batch.outcome = error
                batch.rows = []
                continue
            appended = batch.outcome.appended
            written.extend(appended)
            versions.update(batch.versions)
            by_key.update((e.idempotency_key, e) for e in appended if e.idempotency_key)
        return written

    def _may_presume(self, connection: Connection, items: list[Encoded]) -> bool:
        """Whether to number a group without reading the head or any stream version first.

        On PostgreSQL only, when this store made the last commit it knows of and no event
        carries an idempotency key (those must be looked up). What it presumes is checked by
        the database: if another writer has appended since, the head is no longer where this
        store left it, so the first position it writes is already taken (the log's primary
        key); a stream this store has not written is presumed empty, and if it is not, its
        version 1 is taken (the unique stream version). Either way the transaction fails and
        the group is written again, reading first (`GroupCommit`).
        """
        known = self._known
        return (
            connection.dialect.name == "postgresql"
            and known.head is not None
            and known.last_time is not None
            and all(e.pending.idempotency_key is None for e in items)
        )

    def _presumed(
        self, connection: Connection, group: list[Batch], written: list[RecordedEvent]
    ) -> list[RecordedEvent]:
        """Write a presumed group: the guarded head move first (it takes the head's lock).

        The whole write is queued and sent with the COMMIT: one round trip.
        """
        if not written:
            return written
        head = self._known.head
        assert head is not None
        time = db_time(connection.dialect)
        log.move_head(connection, written[-1].position, time(written[-1].recorded_at), head)
        _write_with_hooks(connection, self.on_append, group, written)
        return written

    def _remember(self, group: list[Batch], written: list[RecordedEvent]) -> None:
        known = self._known
        if written:
            known.head, known.last_time = written[-1].position, written[-1].recorded_at
        if len(known.versions) > REMEMBERED_STREAMS:
            known.versions.clear()
        for batch in group:
            if isinstance(batch.outcome, AppendResult):
                known.versions.update(batch.versions)

    def _lost(self) -> bool:
        """A group's transaction failed: forget what this store knew; True to write it again.

        A presumed group is written again, reading first: what it presumed may have been wrong.
        """
        self._known.forget()
        presumed, self._presuming = self._presuming, False
        return presumed

    def append_recorded(
        self,
        connection: Connection,
        events: Sequence[RecordedEvent],
        hooks: Sequence[AppendHook] | None = None,
    ) -> None:
        """Append events another log recorded (`recount import`), keeping what they are.

        The one way in besides `append`, and the same write: projections, Merkle subtrees, the
        log's rows and its head, in the caller's transaction (`hooks` in place of `on_append`:
        an import builds the read models as a replay does). Position, event id, version,
        recorded_at and leaf hash come from the source, so leaf hashes and roots are the
        source's; each is checked first: the next position, the next version of its stream,
        a time not before the head's, and a leaf hash that is the hash of its canonical bytes.
        A failure raises IntegrityError naming the position; roll the transaction back.
        """
        if not events:
            return
        self._known.forget()  # this store's appends must read the log afresh after an import
        head, last_time, versions = log.lock_head(connection, {e.stream_id for e in events})
        time = db_time(connection.dialect)
        rows: list[tuple[Any, ...]] = []
        for expected, event in enumerate(events, start=head + 1):
            data_text, metadata_text = canonical_text(event.data), canonical_text(event.metadata)
            stream_version = versions.get(event.stream_id, 0)
            problem = imported_problem(
                event, expected, stream_version, last_time, data_text, metadata_text
            )
            if problem:
                raise IntegrityError(f"position {expected}: {problem}", expected)
            versions[event.stream_id] = event.version
            last_time = event.recorded_at
            rows.append(
                (
                    event.position,
                    event.event_id,
                    event.stream_id,
                    event.version,
                    event.type,
                    data_text,
                    metadata_text,
                    time(event.recorded_at),
                    event.idempotency_key,
                    event.leaf_hash,
                )
            )
        for hook in self.on_append if hooks is None else hooks:
            hook(connection, events)
        log.INSERT_EVENTS(connection, rows)
        log.move_head(connection, events[-1].position, time(events[-1].recorded_at))

    def head(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(head_table.c.position)).scalar_one())

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
            yield from (log.recorded_event(row._mapping) for row in rows)
            if len(rows) < size:
                return
            after = rows[-1].position
            if remaining is not None:
                remaining -= len(rows)

    def get(self, position: int) -> RecordedEvent | None:
        return next(self.read(after=position - 1, limit=1), None) if position > 0 else None


def _write_with_hooks(
    connection: Connection,
    hooks: Sequence[AppendHook],
    group: list[Batch],
    written: Sequence[RecordedEvent],
) -> None:
    """The log's rows and the hooks' writes, in the order that costs the append least.

    The log's rows go first when they go by COPY on PostgreSQL: the server copies them while
    the projectors build their rows (`store.rows.deferring`). Otherwise they go last, queued,
    so that a hook's read needs no flush of them first.
    """
    rows = [row for batch in group for row in batch.rows]
    first = connection.dialect.name == "postgresql" and len(rows) >= COPY_FROM
    if first:
        log.INSERT_EVENTS(connection, rows)
    for hook in hooks:
        hook(connection, written)
    if not first:
        log.INSERT_EVENTS(connection, rows)
