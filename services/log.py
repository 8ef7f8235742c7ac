"""The log as its readers see it: events in position order, for the feed of events and its tail."""

from __future__ import annotations

from collections.abc import Iterator

from domain.events import RecordedEvent
from services.archive import Archive
from store.log import HeadWatch as HeadWatch


def read_events(
    archive: Archive, after: int = 0, limit: int | None = None
) -> Iterator[RecordedEvent]:
    """Events after position `after`, oldest first, fetched in batches (never the whole log)."""
    return archive.events.read(after=after, limit=limit)


def head(archive: Archive) -> int:
    """The position of the last event (0 for an empty log)."""
    return archive.events.head()


def head_watch(archive: Archive) -> HeadWatch:
    """A reader of the head on a connection of its own (see store.log.HeadWatch); close it."""
    return HeadWatch(archive.engine)
