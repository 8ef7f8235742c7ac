"""Feeds as an operator manages them: register (always through the URL guard), pause, resume,
remove, and look them up.

The guard runs at registration so an operator hears at once that a URL is malformed or points
into a network not opened; it runs again before every fetch (and every redirect), which is what
actually protects. A host that does not resolve today is accepted: DNS may be down, and each
poll reports it. Credentials in the URL (`user:secret@`) and extra headers (an API key) are taken
apart here: FeedAdded gets the URL without them and a credential id, the credential store
(store/credentials.py) gets them, encrypted. Every event names its `actor` and `via`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.errors import Conflict, FeedError, FetchFailed, InvalidInput, UnsafeURL
from domain.events import FeedAdded, FeedEvent, FeedPaused, FeedRemoved, FeedResumed, PendingEvent
from domain.feeds import (
    ACTIVE,
    PAUSED,
    REMOVED,
    Feed,
    FeedCredentials,
    check_header,
    feed_id_for,
    parse_interval,
)
from domain.subjects import validate_subject
from domain.urls import redact_url
from ingest.articles import parse_feed
from ingest.fetch import Fetcher
from ingest.guard import check_url, parse_feed_url
from services.archive import Archive
from store import feeds
from store.credentials import load_credentials, store_credentials

if TYPE_CHECKING:
    import httpx


def register_feed(
    archive: Archive,
    url: str,
    subject: str | None,
    every: str,
    *,
    headers: Sequence[tuple[str, str]] = (),
    actor: str = "operator",
    via: str = "cli",
) -> Feed:
    """Add a feed polled every `every` ("15m"); refused if malformed or its host is neither
    public nor in a network RECOUNT_ALLOW_PRIVATE_FEEDS opens. `headers` are (name, value) pairs."""
    seconds = parse_interval(every)
    if subject is not None:
        validate_subject(subject)
    credentials = _credentials(parse_feed_url(url), headers)
    public_url = redact_url(url)
    _public_or_unresolved(public_url, archive)
    return _add_feed(archive, public_url, subject, seconds, credentials, actor, via)


def _credentials(parsed: httpx.URL, headers: Sequence[tuple[str, str]]) -> FeedCredentials:
    """The URL's `user:secret@` and the extra headers, kept apart from the URL."""
    return FeedCredentials(
        parsed.username or None,
        parsed.password or None,
        tuple(check_header(name, value) for name, value in headers),
    )


@dataclass(frozen=True)
class FeedCheck:
    """What one fetch of a feed URL found, before it is registered."""

    title: str | None
    entries: int
    problem: str | None  # a flaw the feed is usable despite


def check_feed(archive: Archive, url: str, headers: Sequence[tuple[str, str]] = ()) -> FeedCheck:
    """Fetch `url` once, as the worker will (its credentials included), and say what is there;
    refuse (InvalidInput) with the reason the worker would record if it is not a usable feed."""
    credentials = _credentials(parse_feed_url(url), headers)
    public_url = redact_url(url)
    with Fetcher(opened=archive.settings.private_networks) as fetcher:
        try:
            fetched = fetcher.fetch(public_url, credentials=credentials or None)
        except UnsafeURL:
            raise
        except FeedError as error:
            raise InvalidInput(f"not added: {error}") from None
    parsed = parse_feed(fetched.content or b"", fetched.url, fetched.content_type)
    if parsed.unusable:
        raise InvalidInput(f"not added: {public_url}: {parsed.unusable}")
    return FeedCheck(parsed.title, len(parsed.articles), parsed.problem)


def _add_feed(
    archive: Archive,
    url: str,
    subject: str | None,
    seconds: int,
    credentials: FeedCredentials,
    actor: str,
    via: str,
) -> Feed:
    """Append FeedAdded; it is due at once. Adding a registered feed is a Conflict."""
    feed_id = feed_id_for(subject, url)
    existing = feeds.find_feed(archive.engine, feed_id)
    if existing is not None and existing.status != REMOVED:
        raise Conflict(f"feed {feed_id} already polls {url} for {subject or 'the rules'}")
    credential_id = None
    if credentials:
        key = archive.settings.secrets_path
        credential_id = store_credentials(archive.engine, key, credentials)
    event = FeedAdded(
        feed_id=feed_id,
        url=url,
        subject=subject,
        interval_seconds=seconds,
        credential_id=credential_id,
    )
    _append(archive, event, 0 if existing is None else existing.version, actor, via)
    feeds.restart_polling(archive.engine, feed_id, reset_failures=True)
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
        feeds.restart_polling(archive.engine, feed.feed_id)
    return get_feed(archive, feed.feed_id)


def remove_feed(archive: Archive, feed_id: str, actor: str = "operator", via: str = "cli") -> Feed:
    """Stop polling for good (FeedRemoved); the documents it captured stay in the archive."""
    feed = get_feed(archive, feed_id)
    _append(archive, FeedRemoved(feed_id=feed.feed_id), feed.version, actor, via)
    return get_feed(archive, feed.feed_id, include_removed=True)


def get_feed(archive: Archive, feed_id: str, *, include_removed: bool = False) -> Feed:
    """A feed by its id, or by a unique prefix of at least four characters (handy on the CLI)."""
    return feeds.get_feed(archive.engine, feed_id, include_removed=include_removed)


def list_feeds(archive: Archive, *, include_removed: bool = False) -> list[Feed]:
    return feeds.list_feeds(archive.engine, include_removed=include_removed)


def feed_credentials(archive: Archive, feed: Feed) -> FeedCredentials | None:
    """What a poll sends to let it in; FetchFailed (recorded on the feed) if unreadable."""
    if feed.credential_id is None:
        return None
    return load_credentials(archive.engine, archive.settings.secrets_path, feed.credential_id)


def _public_or_unresolved(url: str, archive: Archive) -> None:
    try:
        check_url(url, archive.settings.private_networks)
    except FetchFailed:
        pass


def _append(
    archive: Archive, event: FeedEvent, expected_version: int, actor: str, via: str
) -> None:
    metadata = {"actor": actor, "via": via}
    archive.events.append([PendingEvent(event, expected_version, metadata=metadata)])
