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

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, and_, insert, or_, select, text, update

from domain.errors import Conflict, InvalidInput, UnknownFeed
from domain.events import PendingEvent, RecordedEvent
from domain.feeds import (
    FeedAdded,
    FeedCredentials,
    FeedEvent,
    FeedPaused,
    FeedRemoved,
    FeedResumed,
    feed_id_for,
    format_interval,
)
from domain.subjects import validate_subject
from domain.times import format_time
from domain.urls import has_userinfo, redact_url
from store.archive import Archive
from store.credentials import store_credentials
from store.projections import register_handler
from store.tables import feed_state, feeds

ACTIVE, PAUSED, REMOVED = "active", "paused", "removed"
STATUS_AFTER = {FeedPaused.type: PAUSED, FeedResumed.type: ACTIVE, FeedRemoved.type: REMOVED}
MIN_ID_PREFIX = 4


@dataclass(frozen=True)
class FeedState:
    """What the last poll left behind, and when the next one is due."""

    etag: str | None = None
    last_modified: str | None = None
    last_polled_at: datetime | None = None
    last_status: str | None = None  # ok, malformed, not_modified, failed
    last_http_status: int | None = None
    last_error: str | None = None
    last_new: int = 0
    last_changed: int = 0
    last_unchanged: int = 0
    last_reports: int = 0
    failures: int = 0
    next_poll_at: datetime | None = None  # None: due now
    last_truncated: int = 0  # entries whose text was cut to the per-entry cap
    last_deferred: int = 0  # entries left for the next poll by the per-poll cap
    last_cut: str | None = None  # what was cut, in words


@dataclass(frozen=True)
class Feed:
    """One feed as an operator sees it: configuration and polling state together."""

    feed_id: str
    url: str
    subject: str
    interval_seconds: int
    status: str
    added_at: datetime
    version: int
    state: FeedState
    credential_id: str | None = None

    def is_due(self, now: datetime) -> bool:
        due_at = self.state.next_poll_at
        return self.status == ACTIVE and (due_at is None or due_at <= now)

    def to_json(self) -> dict[str, Any]:
        """The same state for `feeds list --json` and `GET /v1/feeds`."""
        state = {k: _json_value(v) for k, v in asdict(self.state).items()}
        return {
            "id": self.feed_id,
            "url": redact_url(self.url),  # a feed added before credentials were kept apart
            "has_credentials": self.credential_id is not None or has_userinfo(self.url),
            "subject": self.subject,
            "every": format_interval(self.interval_seconds),
            "interval_seconds": self.interval_seconds,
            "status": self.status,
            "added_at": format_time(self.added_at),
            **state,
        }


def _json_value(value: Any) -> Any:
    return format_time(value) if isinstance(value, datetime) else value


# --- use cases --------------------------------------------------------------------------------


def add_feed(
    archive: Archive,
    url: str,
    subject: str,
    interval_seconds: int,
    *,
    credentials: FeedCredentials | None = None,
    url_check: Callable[[str], None] | None = None,
    actor: str = "operator",
    via: str = "cli",
) -> Feed:
    """Register a feed (FeedAdded); it is due at once. Adding a registered feed is a Conflict.

    `url` carries no userinfo: credentials come apart and are stored apart (store/credentials),
    the event naming them by id, so the log never holds a secret.
    """
    validate_subject(subject)
    _validate_url(url)
    if url_check is not None:
        url_check(url)
    feed_id = feed_id_for(subject, url)
    existing = _find(archive, feed_id)
    if existing is not None and existing.status != REMOVED:
        raise Conflict(f"feed {feed_id} already polls {url} for {subject}")
    credential_id = store_credentials(archive, credentials) if credentials else None
    event = FeedAdded(
        feed_id=feed_id,
        url=url,
        subject=subject,
        interval_seconds=interval_seconds,
        credential_id=credential_id,
    )
    _append(archive, event, 0 if existing is None else existing.version, actor, via)
    with archive.engine.begin() as connection:  # a feed added again starts afresh
        connection.execute(
            update(feed_state)
            .where(feed_state.c.feed_id == feed_id)
            .values(next_poll_at=None, failures=0)
        )
    return get_feed(archive, feed_id)


def pause_feed(archive: Archive, feed_id: str, actor: str = "operator", via: str = "cli") -> Feed:
    """Stop polling (FeedPaused); pausing a paused feed appends nothing."""
    feed = get_feed(archive, feed_id)
    if feed.status == ACTIVE:
        _append(archive, FeedPaused(feed_id=feed.feed_id), feed.version, actor, via)
    return get_feed(archive, feed.feed_id)


def resume_feed(archive: Archive, feed_id: str, actor: str = "operator", via: str = "cli") -> Feed:
    """Poll again (FeedResumed), at once; resuming an active feed appends nothing."""
    feed = get_feed(archive, feed_id)
    if feed.status == PAUSED:
        _append(archive, FeedResumed(feed_id=feed.feed_id), feed.version, actor, via)
        with archive.engine.begin() as connection:
            connection.execute(
                update(feed_state)
                .where(feed_state.c.feed_id == feed.feed_id)
                .values(next_poll_at=None)
            )
    return get_feed(archive, feed.feed_id)


def remove_feed(archive: Archive, feed_id: str, actor: str = "operator", via: str = "cli") -> Feed:
    """Stop polling for good (FeedRemoved); the documents it captured stay in the archive."""
    feed = get_feed(archive, feed_id)
    _append(archive, FeedRemoved(feed_id=feed.feed_id), feed.version, actor, via)
    return get_feed(archive, feed.feed_id, include_removed=True)


def get_feed(archive: Archive, feed_id: str, *, include_removed: bool = False) -> Feed:
    """A feed by its id, or by a unique prefix of at least four characters (handy on the CLI)."""
    feed = _find(archive, feed_id)
    if feed is None and len(feed_id) >= MIN_ID_PREFIX:
        matches = _query(archive, feeds.c.feed_id.startswith(feed_id, autoescape=True))
        feed = matches[0] if len(matches) == 1 else None
    if feed is None or (feed.status == REMOVED and not include_removed):
        raise UnknownFeed(f"no feed {feed_id!r}")
    return feed


def list_feeds(archive: Archive, *, include_removed: bool = False) -> list[Feed]:
    where = None if include_removed else feeds.c.status != REMOVED
    return _query(archive, where)


def due_feeds(
    archive: Archive, now: datetime, limit: int | None = None, exclude: Sequence[str] = ()
) -> list[Feed]:
    """Active feeds whose next poll is due, the longest overdue (and never polled) first."""
    where = and_(
        feeds.c.status == ACTIVE,
        or_(feed_state.c.next_poll_at.is_(None), feed_state.c.next_poll_at <= now),
    )
    if exclude:
        where = and_(where, feeds.c.feed_id.not_in(list(exclude)))
    order = (feed_state.c.next_poll_at.is_not(None), feed_state.c.next_poll_at, feeds.c.feed_id)
    return _query(archive, where, order, limit)


@contextmanager
def holding(archive: Archive, feed_id: str) -> Iterator[bool]:
    """Hold the feed's poll lock for the block; yields False if another worker holds it."""
    if archive.engine.dialect.name != "postgresql":
        yield True
        return
    key = {"key": f"recount-feed:{feed_id}"}
    lock = text("SELECT pg_try_advisory_lock(hashtext(current_schema() || :key))")
    unlock = text("SELECT pg_advisory_unlock(hashtext(current_schema() || :key))")
    with archive.engine.connect() as connection:
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


def record_poll(archive: Archive, feed_id: str, state: FeedState) -> None:
    """Overwrite the feed's polling state (the worker holds the feed's lock while it does)."""
    values = asdict(state)
    with archive.engine.begin() as connection:
        changed = connection.execute(
            update(feed_state).where(feed_state.c.feed_id == feed_id).values(**values)
        )
        if changed.rowcount == 0:
            connection.execute(insert(feed_state).values(feed_id=feed_id, **values))


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
        "subject": event.subject,
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


register_handler(apply_feed_events, feeds)


# --- helpers --------------------------------------------------------------------------------


def _validate_url(url: str) -> None:
    if has_userinfo(url):
        raise InvalidInput("a feed URL goes into the log without credentials; pass them apart")
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid:
        raise InvalidInput(f"not a feed URL: {url!r} (an http or https URL with a host)")


def _append(
    archive: Archive, event: FeedEvent, expected_version: int, actor: str, via: str
) -> None:
    metadata = {"actor": actor, "via": via}
    archive.events.append([PendingEvent(event, expected_version, metadata=metadata)])


def _find(archive: Archive, feed_id: str) -> Feed | None:
    found = _query(archive, feeds.c.feed_id == feed_id)
    return found[0] if found else None


def _query(
    archive: Archive, where: Any = None, order: Sequence[Any] = (), limit: int | None = None
) -> list[Feed]:
    joined = feeds.outerjoin(feed_state, feed_state.c.feed_id == feeds.c.feed_id)
    query = select(feeds, *_state_columns()).select_from(joined)
    if where is not None:
        query = query.where(where)
    query = query.order_by(*(order or (feeds.c.subject, feeds.c.added_at, feeds.c.feed_id)))
    if limit is not None:
        query = query.limit(limit)
    with archive.engine.connect() as connection:
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
        subject=row["subject"],
        interval_seconds=row["interval_seconds"],
        status=row["status"],
        added_at=row["added_at"],
        version=row["version"],
        state=FeedState(**state),
        credential_id=row["credential_id"],
    )
