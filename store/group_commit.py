"""Group commit: appends made at the same time in one process share one transaction.

The API's thread pool under load makes many small appends at once; each alone would wait for
the head lock and pay a commit. Here, whoever finds no append in progress leads: it takes every
batch waiting (up to GROUP_EVENTS events, in arrival order), hands them to the writer in one
transaction, commits once and leaves each caller its own result or error (the writer checks
each batch's expected versions and idempotency keys on its own, so a conflict is that caller's
alone). If the shared transaction fails as a whole, each batch is tried again alone, so one
caller's bad event never costs another caller's write. A lone append is a group of one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import IntegrityError as DatabaseIntegrityError

from domain.errors import StreamConflict
from domain.events import RecordedEvent
from store import memo
from store.numbering import AppendResult, Batch
from store.rows import deferring, flush

GROUP_EVENTS = 5000  # a leader stops taking batches once its group holds this many events

Writer = Callable[[Connection, list[Batch]], list[RecordedEvent]]


class GroupCommit:
    """Batches queued by callers, written by one leader at a time on a connection it keeps.

    `write` numbers and writes a group inside the transaction (setting each batch's outcome);
    `committed` learns what a committed group wrote; `failed` that a transaction was lost, and
    answers True when the writer presumed what it did not read, so the group is written again.
    """

    def __init__(
        self,
        engine: Engine,
        write: Writer,
        committed: Callable[[list[Batch], list[RecordedEvent]], None],
        failed: Callable[[], bool],
    ) -> None:
        self.engine = engine
        self._write, self._committed, self._failed = write, committed, failed
        self._queue: list[Batch] = []
        self._queue_lock = threading.Lock()
        self._leader = threading.Lock()
        self._writer: Connection | None = None  # the leader's connection, kept between groups

    def submit(self, batch: Batch) -> AppendResult:
        """Queue `batch`, lead a group if no one else does, and give back its own outcome."""
        with self._queue_lock:
            self._queue.append(batch)
        while batch.outcome is None:
            with self._leader:
                if batch.outcome is None:
                    self._lead()
        return batch.result()

    @property
    def waiting(self) -> int:
        """How many batches are queued for the next group (0 when appends do not overlap)."""
        with self._queue_lock:
            return len(self._queue)

    def close(self) -> None:
        """Give back the kept connection (the engine's pool is the owner's to dispose)."""
        with self._leader:
            if self._writer is not None:
                self._writer.close()
                self._writer = None

    def _lead(self) -> None:
        with self._queue_lock:
            size, taken = 0, 0
            for batch in self._queue:
                if taken and size + len(batch.encoded) > GROUP_EVENTS:
                    break
                size += len(batch.encoded)
                taken += 1
            group, self._queue = self._queue[:taken], self._queue[taken:]
        if group:
            self._commit(group)

    def _commit(self, group: list[Batch]) -> None:
        try:
            if self._writer is None:
                self._writer = self.engine.connect()
            connection = self._writer
            memo.settle(connection, committed=False)  # nothing half-kept from elsewhere
            with connection.begin(), deferring(connection):
                written = self._write(connection, group)
                flush(connection, commit=True)
            memo.settle(connection, committed=True)
        except Exception as error:
            again = self._failed()
            if self._writer is not None:
                memo.settle(self._writer, committed=False)
            if isinstance(error, DBAPIError) and error.connection_invalidated:
                self._drop_writer()
            if again:  # the writer presumed; now it reads, so this happens once at most
                for batch in group:
                    batch.outcome = None
                self._commit(group)
                return
            if len(group) > 1:  # find out whose batch it was: each alone
                for batch in group:
                    batch.outcome = None
                    self._commit([batch])
                return
            if isinstance(error, DatabaseIntegrityError):  # a race the head lock rules out
                error = StreamConflict("(concurrent append)", -1, -1)
            group[0].outcome = error
            return
        self._committed(group, written)

    def _drop_writer(self) -> None:
        if self._writer is not None:
            self._writer.invalidate()
            self._writer.close()
            self._writer = None
