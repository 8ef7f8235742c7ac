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

from sqlalchemy import Connection, Engine, func, select

from domain.canonical import canonical_text
from domain.errors import IdempotencyKeyReused, IntegrityError, StreamConflict
from domain.events import PendingEvent, RecordedEvent
from domain.times import format_time
from store import log
from store.group_commit import GroupCommit
from store.numbering import AppendResult, Batch, Stamp, encode, imported_problem, number
from store.rows import db_time, flush_before_other_statements
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
    versions: dict[str, int] = field(default_factory=dict)

    def forget(self) -> None:
        self.head = None
        self.versions.clear()


class EventStore:
    """Append to and read from the log. `on_append` hooks run inside the append's transaction."""

    def __init__(self, engine: Engine, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.clock = clock
        self.on_append: list[AppendHook] = []
        self._known = _Known()
        self._group = GroupCommit(engine, self._write, self._remember, self._known.forget)
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
        """Number every batch of the group after the head and write those that pass."""
        head, last_time = log.lock_head(connection)
        known = self._known
        if known.head != head:
            known.forget()
        items = [e for batch in group for e in batch.encoded]
        stored = log.stored_by_key(connection, [e.pending.idempotency_key for e in items])
        streams = {e.stream_id for e in items}
        versions = {s: known.versions[s] for s in streams if s in known.versions}
        versions.update(log.stream_versions(connection, streams - versions.keys()))
        now = self.clock()
        recorded_at = now if last_time is None or now > last_time else last_time
        value = db_time(connection.dialect)(recorded_at)
        stamp = Stamp(recorded_at, format_time(recorded_at), value)
        written: list[RecordedEvent] = []
        rows: list[tuple[Any, ...]] = []
        by_key: dict[str, RecordedEvent] = {}
        for batch in group:
            try:
                batch.outcome = number(batch, head + len(written), versions, stored, by_key, stamp)
            except (StreamConflict, IdempotencyKeyReused) as error:
                batch.outcome = error
                continue
            appended = batch.outcome.appended
            written.extend(appended)
            rows.extend(batch.rows)
            versions.update(batch.versions)
            by_key.update((e.idempotency_key, e) for e in appended if e.idempotency_key)
        if not written:
            return written
        for hook in self.on_append:  # before the log's rows: their reads need no flush first
            hook(connection, written)
        log.INSERT_EVENTS(connection, rows)
        log.move_head(connection, head + len(written), stamp.value)
        return written

    def _remember(self, group: list[Batch], written: list[RecordedEvent]) -> None:
        known = self._known
        if written:
            known.head = written[-1].position
        if len(known.versions) > REMEMBERED_STREAMS:
            known.versions.clear()
        for batch in group:
            if isinstance(batch.outcome, AppendResult):
                known.versions.update(batch.versions)

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
        head, last_time = log.lock_head(connection)
        versions = log.stream_versions(connection, {e.stream_id for e in events})
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
            yield from (log.recorded_event(row._mapping) for row in rows)
            if len(rows) < size:
                return
            after = rows[-1].position
            if remaining is not None:
                remaining -= len(rows)

    def get(self, position: int) -> RecordedEvent | None:
        return next(self.read(after=position - 1, limit=1), None) if position > 0 else None
