"""Feeds: their configuration (a projection of the feed events) and their polling state.

Two tables, on purpose. `feeds` is derived from the log only, so `recount replay` rebuilds it and
`replay --check` compares it like any projection. `feed_state` (validators, last poll, failures,
next poll) is operational state the workers overwrite on every poll; it is not in the log, so a
replay could not rebuild it, and it must survive one: replay leaves that table alone. A feed
with no state row yet (just added, or a database rebuilt from an export) is due at once.

On PostgreSQL a poll holds a session advisory lock named after the schema and the feed, so
several workers share the feeds and each poll has one owner; the lock dies with its connection,
so a killed worker never strands a feed. SQLite has one writer and is run with one worker.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, insert, or_, select, text, update

from domain.errors import UnknownFeed
from domain.events import FeedAdded, FeedEvent, FeedPaused, FeedRemoved, FeedResumed, RecordedEvent
from domain.feeds import ACTIVE, PAUSED, REMOVED, Feed, FeedState
from store.tables import feed_state, feeds

STATUS_AFTER = {FeedPaused.type: PAUSED, FeedResumed.type: ACTIVE, FeedRemoved.type: REMOVED}
MIN_ID_PREFIX = 4


def get_feed(engine: Engine, feed_id: str, *, include_removed: bool = False) -> Feed:
    """A feed by its id, or by a unique prefix of at least four characters (handy on the CLI)."""
    feed = find_feed(engine, feed_id)
    if feed is None and len(feed_id) >= MIN_ID_PREFIX:
        matches = _query(engine, feeds.c.feed_id.startswith(feed_id, autoescape=True))
        feed = matches[0] if len(matches) == 1 else None
    if feed is None or (feed.status == REMOVED and not include_removed):
        raise UnknownFeed(f"no feed {feed_id!r}")
    return feed


def list_feeds(engine: Engine, *, include_removed: bool = False) -> list[Feed]:
    where = None if include_removed else feeds.c.status != REMOVED
    return _query(engine, where)


def due_feeds(
    engine: Engine, now: datetime, limit: int | None = None, exclude: Sequence[str] = ()
) -> list[Feed]:
    """Active feeds whose next poll is due, the longest overdue (and never polled) first."""
    where = and_(
        feeds.c.status == ACTIVE,
        or_(feed_state.c.next_poll_at.is_(None), feed_state.c.next_poll_at <= now),
    )
    if exclude:
        where = and_(where, feeds.c.feed_id.not_in(list(exclude)))
    order = (feed_state.c.next_poll_at.is_not(None), feed_state.c.next_poll_at, feeds.c.feed_id)
    return _query(engine, where, order, limit)


@contextmanager
def holding(engine: Engine, feed_id: str) -> Iterator[bool]:
    """Hold the feed's poll lock for the block; yields False if another worker holds it."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = {"key": f"recount-feed:{feed_id}"}
    lock = text("SELECT pg_try_advisory_lock(hashtext(current_schema() || :key))")
    unlock = text("SELECT pg_advisory_unlock(hashtext(current_schema() || :key))")
    with engine.connect() as connection:
        acquired = bool(connection.execute(lock, key).scalar())
        connection.commit()  # a session lock: no transaction stays open during the poll
        try:
            yield acquired
        finally:
            if acquired:
                _release(connection, unlock, key)


def _release(connection: Connection, unlock: Any, key: dict[str, str]) -> None:
    try:
        connection.execute(unlock, key)
        connection.commit()
    except Exception:
        connection.invalidate()  # a closed session releases its locks; never pool a held one
        raise


def record_poll(engine: Engine, feed_id: str, state: FeedState) -> None:
    """Overwrite the feed's polling state (the worker holds the feed's lock while it does)."""
    values = asdict(state)
    with engine.begin() as connection:
        changed = connection.execute(
            update(feed_state).where(feed_state.c.feed_id == feed_id).values(**values)
        )
        if changed.rowcount == 0:
            connection.execute(insert(feed_state).values(feed_id=feed_id, **values))


def restart_polling(engine: Engine, feed_id: str, *, reset_failures: bool = False) -> None:
    """Make the feed due at once (added again, or resumed); a re-added one starts afresh."""
    values: dict[str, Any] = {"next_poll_at": None}
    if reset_failures:
        values["failures"] = 0
    with engine.begin() as connection:
        connection.execute(
            update(feed_state).where(feed_state.c.feed_id == feed_id).values(**values)
        )


# --- the projection -------------------------------------------------------------------------


def apply_feed_events(connection: Connection, events: Sequence[RecordedEvent]) -> None:
    """Keep `feeds` in step with the feed events; polling state is not touched here."""
    for recorded in events:
        if recorded.type == FeedAdded.type:
            _apply_added(connection, recorded)
        elif recorded.type in STATUS_AFTER:
            event = recorded.event
            assert isinstance(event, FeedEvent)
            connection.execute(
                update(feeds)
                .where(feeds.c.feed_id == event.feed_id)
                .values(
                    status=STATUS_AFTER[recorded.type],
                    version=recorded.version,
                    position=recorded.position,
                )
            )


def _apply_added(connection: Connection, recorded: RecordedEvent) -> None:
    event = recorded.event
    assert isinstance(event, FeedAdded)
    row = {
        "url": event.url,
        "credential_id": event.credential_id,
        "subject": event.subject or "",
        "interval_seconds": event.interval_seconds,
        "status": ACTIVE,
        "added_at": recorded.recorded_at,
        "version": recorded.version,
        "position": recorded.position,
    }
    changed = connection.execute(
        update(feeds).where(feeds.c.feed_id == event.feed_id).values(**row)
    )
    if changed.rowcount == 0:
        connection.execute(insert(feeds).values(feed_id=event.feed_id, **row))


# --- helpers --------------------------------------------------------------------------------


def find_feed(engine: Engine, feed_id: str) -> Feed | None:
    found = _query(engine, feeds.c.feed_id == feed_id)
    return found[0] if found else None


def _query(
    engine: Engine, where: Any = None, order: Sequence[Any] = (), limit: int | None = None
) -> list[Feed]:
    joined = feeds.outerjoin(feed_state, feed_state.c.feed_id == feeds.c.feed_id)
    query = select(feeds, *_state_columns()).select_from(joined)
    if where is not None:
        query = query.where(where)
    query = query.order_by(*(order or (feeds.c.subject, feeds.c.added_at, feeds.c.feed_id)))
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [_feed(row) for row in rows]


STATE_FIELDS = list(FeedState.__dataclass_fields__)


def _state_columns() -> list[Any]:
    return [feed_state.c[name].label(f"state_{name}") for name in STATE_FIELDS]


def _feed(row: Any) -> Feed:
    state = {name: row[f"state_{name}"] for name in STATE_FIELDS}
    counters = ("last_new", "last_changed", "last_unchanged", "last_reports", "failures")
    for counter in (*counters, "last_truncated", "last_deferred"):
        state[counter] = state[counter] or 0  # no state row yet
    return Feed(
        feed_id=row["feed_id"],
        url=row["url"],
        subject=row["subject"] or None,
        interval_seconds=row["interval_seconds"],
        status=row["status"],
        added_at=row["added_at"],
        version=row["version"],
        state=FeedState(**state),
        credential_id=row["credential_id"],
    )
