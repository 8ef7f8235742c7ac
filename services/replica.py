"""Reads from a streaming replica, without surprises.

With `RECOUNT_READ_DATABASE_URL` set, the read routes answer from a hot standby of the primary.
A standby applies the primary's log in commit order, and positions are gapless and assigned in
commit order, so "the replica's log head is at least P" means it holds every event up to P and
their projections: an answer pinned at P, or asked for by a caller who wrote P, is the same
there as on the primary. Such a read waits (a bounded while) until the replica has applied P,
then falls back to the primary: a writer always reads its own writes and a permalink never
answers differently. A read with no position to honour is served by the replica as it is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from services.archive import Archive
from store.database import create_database_engine

FIRST_PAUSE = 0.002  # the replica is usually milliseconds behind on loopback or a LAN
LONGEST_PAUSE = 0.05


@dataclass(frozen=True)
class Lag:
    """How far the replica is behind: events it has not applied, and how long the oldest waits."""

    positions: int
    seconds: float


@dataclass
class Reads:
    """Where reads go: the replica when there is one and it is far enough along, else primary."""

    primary: Archive
    replica: Archive | None = None
    wait_seconds: float = 1.0

    @classmethod
    def open(cls, primary: Archive) -> Reads:
        settings = primary.settings
        if not settings.read_database_url:
            return cls(primary)
        url = settings.read_database_url
        replica = Archive(
            replace(settings, database_url=url, read_database_url=None),
            create_database_engine(url),
        )
        return cls(primary, replica, settings.read_wait_seconds)

    def at_least(self, position: int | None) -> Archive:
        """The archive to answer from: one whose log holds `position` whenever the primary's does.

        Nothing to honour: the replica. A position the primary has not reached either: the
        primary (its answer is the head's, which the replica may not hold yet).
        """
        replica = self.replica
        if replica is None or position is None or position <= 0:
            return replica or self.primary
        if replica.events.head() >= position:
            return replica
        if self.primary.events.head() < position:
            return self.primary
        deadline = time.monotonic() + self.wait_seconds
        pause = FIRST_PAUSE
        while time.monotonic() < deadline:
            time.sleep(pause)
            if replica.events.head() >= position:
                return replica
            pause = min(pause * 2, LONGEST_PAUSE)
        return self.primary

    def lag(self) -> Lag | None:
        """The replica's lag now (None without a replica): positions behind, and the age of the
        first event it lacks (0 when it has them all)."""
        if self.replica is None:
            return None
        applied = self.replica.events.head()
        head = self.primary.events.head()
        if applied >= head:
            return Lag(0, 0.0)
        oldest = self.primary.events.get(applied + 1)
        if oldest is None:
            return Lag(head - applied, 0.0)
        return Lag(head - applied, max((datetime.now(UTC) - oldest.recorded_at).total_seconds(), 0))

    def close(self) -> None:
        if self.replica is not None:
            self.replica.close()
