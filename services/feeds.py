"""Feeds as an operator manages them: register (always through the URL guard), pause, resume,
remove, and look them up.

The guard runs at registration so an operator hears at once that a URL points into a private
network; it runs again before every fetch (and every redirect), which is what actually protects.
A host that does not resolve today is accepted: DNS may be down, and each poll reports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from domain.errors import Conflict, FeedError, FetchFailed, InvalidInput, UnsafeURL
from domain.events import FeedAdded, FeedEvent, FeedPaused, FeedRemoved, FeedResumed, PendingEvent
from domain.feeds import ACTIVE, PAUSED, REMOVED, Feed, feed_id_for, parse_interval
from domain.subjects import validate_subject
from ingest.articles import parse_feed
from ingest.fetch import Fetcher, check_url
from services.archive import Archive
from store import feeds


def register_feed(
    archive: Archive, url: str, subject: str, every: str, *, actor: str = "operator"
) -> Feed:
    """Add a feed polled every `every` ("15m"); refused if its host is private (unless allowed)."""
    seconds = parse_interval(every)
    validate_subject(subject)
    _validate_url(url)
    if not archive.settings.allow_private_feeds:
        _public_or_unresolved(url)
    return _add_feed(archive, url, subject, seconds, actor)


@dataclass(frozen=True)
class FeedCheck:
    """What one fetch of a feed URL found, before it is registered."""

    title: str | None
    entries: int
    problem: str | None  # a flaw the feed is usable despite


def check_feed(archive: Archive, url: str) -> FeedCheck:
    """Fetch `url` once, as the worker will, and say what is there; refuse (InvalidInput)
    with the reason the worker would record if it is not a usable feed."""
    _validate_url(url)
    with Fetcher(allow_private=archive.settings.allow_private_feeds) as fetcher:
        try:
            fetched = fetcher.fetch(url)
        except UnsafeURL:
            raise
        except FeedError as error:
            raise InvalidInput(f"not added: {error}") from None
    parsed = parse_feed(fetched.content or b"", fetched.url, fetched.content_type)
    if parsed.unusable:
        raise InvalidInput(f"not added: {url}: {parsed.unusable}")
    return FeedCheck(parsed.title, len(parsed.articles), parsed.problem)


def _add_feed(archive: Archive, url: str, subject: str, seconds: int, actor: str) -> Feed:
    """Append FeedAdded; it is due at once. Adding a registered feed is a Conflict."""
    feed_id = feed_id_for(subject, url)
    existing = feeds.find_feed(archive.engine, feed_id)
    if existing is not None and existing.status != REMOVED:
        raise Conflict(f"feed {feed_id} already polls {url} for {subject}")
    event = FeedAdded(feed_id=feed_id, url=url, subject=subject, interval_seconds=seconds)
    _append(archive, event, 0 if existing is None else existing.version, actor)
    feeds.restart_polling(archive.engine, feed_id, reset_failures=True)
    return get_feed(archive, feed_id)


def pause_feed(archive: Archive, feed_id: str, actor: str = "operator") -> Feed:
    """Stop polling (FeedPaused); pausing a paused feed appends nothing."""
    feed = get_feed(archive, feed_id)
    if feed.status == ACTIVE:
        _append(archive, FeedPaused(feed_id=feed.feed_id), feed.version, actor)
    return get_feed(archive, feed.feed_id)


def resume_feed(archive: Archive, feed_id: str, actor: str = "operator") -> Feed:
    """Poll again (FeedResumed), at once; resuming an active feed appends nothing."""
    feed = get_feed(archive, feed_id)
    if feed.status == PAUSED:
        _append(archive, FeedResumed(feed_id=feed.feed_id), feed.version, actor)
        feeds.restart_polling(archive.engine, feed.feed_id)
    return get_feed(archive, feed.feed_id)


def remove_feed(archive: Archive, feed_id: str, actor: str = "operator") -> Feed:
    """Stop polling for good (FeedRemoved); the documents it captured stay in the archive."""
    feed = get_feed(archive, feed_id)
    _append(archive, FeedRemoved(feed_id=feed.feed_id), feed.version, actor)
    return get_feed(archive, feed.feed_id, include_removed=True)


def get_feed(archive: Archive, feed_id: str, *, include_removed: bool = False) -> Feed:
    """A feed by its id, or by a unique prefix of at least four characters (handy on the CLI)."""
    return feeds.get_feed(archive.engine, feed_id, include_removed=include_removed)


def list_feeds(archive: Archive, *, include_removed: bool = False) -> list[Feed]:
    return feeds.list_feeds(archive.engine, include_removed=include_removed)


def _validate_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"not a feed URL: {url!r} (an http or https URL with a host)")


def _public_or_unresolved(url: str) -> None:
    try:
        check_url(url)
    except FetchFailed:
        pass


def _append(archive: Archive, event: FeedEvent, expected_version: int, actor: str) -> None:
    archive.events.append([PendingEvent(event, expected_version, metadata={"actor": actor})])
