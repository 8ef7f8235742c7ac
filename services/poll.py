"""One poll of one feed: fetch, parse, capture, and record on the feed what happened.

Nothing a poll does can lose what was already ingested: entries are captured before the feed's
validators (ETag, Last-Modified) are saved, so a poll that dies half-way is simply repeated in
full next time, and the idempotency keys make the repeat append only what is missing. Failures
never escape: they become the feed's `last_error`, its consecutive `failures` and a later
`next_poll_at` (see ingest/poll.py for the timing). A poll captures at most `max_entries`
new or changed entries; with more waiting it keeps the old validators, so the next poll, soon
after, takes the rest. The feed's credentials, if any, are read for the fetch alone.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from domain.errors import Conflict, FeedError, FetchFailed, RecountError
from domain.feeds import ACTIVE, Feed, FeedState
from ingest.articles import parse_feed
from ingest.fetch import Fetcher, FetchResult
from ingest.poll import (
    PollResult,
    failed,
    polled,
    retry_after_of,
    schedule_next,
    what_was_cut,
)
from ingest.schedule import ENTRIES_PER_POLL
from services.archive import Archive
from services.capture import capture_articles
from services.feeds import feed_credentials
from store.feeds import get_feed, holding, record_poll

log = logging.getLogger("recount.worker")


def poll_feed(
    archive: Archive,
    feed: Feed,
    fetcher: Fetcher,
    clock: Callable[[], datetime],
    rng: random.Random | None = None,
    max_entries: int = ENTRIES_PER_POLL,
    *,
    now: bool = False,
) -> PollResult:
    """Poll the feed if it is still due (or, with `now`, still active) and no other worker
    holds it; record the outcome."""
    started = time.monotonic()
    with holding(archive.engine, feed.feed_id) as held:
        current = get_feed(archive.engine, feed.feed_id, include_removed=True) if held else None
        if current is None or not (current.is_due(clock()) or (now and current.status == ACTIVE)):
            return PollResult(feed.feed_id, feed.url, "skipped")
        state, result = _poll(archive, current, fetcher, clock, max_entries)
        state = schedule_next(current, state, clock(), rng or random.Random())
        record_poll(archive.engine, current.feed_id, state)
    return replace(result, seconds=time.monotonic() - started, next_poll_at=state.next_poll_at)


def poll_now(archive: Archive, feed_id: str) -> PollResult:
    """Poll one feed at once, due or not (`recount feeds poll`), recorded as the worker would;
    its next poll is then scheduled from now. A paused feed is refused: resume it first."""
    feed = get_feed(archive.engine, feed_id)
    if feed.status != ACTIVE:
        raise Conflict(f"feed {feed.feed_id[:8]} is {feed.status}: resume it to poll it")
    with Fetcher(opened=archive.settings.private_networks) as fetcher:
        result = poll_feed(archive, feed, fetcher, archive.events.clock, now=True)
    if result.status == "skipped":
        raise Conflict(f"feed {feed.feed_id[:8]} is being polled by a worker right now")
    return result


def _poll(
    archive: Archive,
    feed: Feed,
    fetcher: Fetcher,
    clock: Callable[[], datetime],
    max_entries: int,
) -> tuple[FeedState, PollResult]:
    previous = feed.state
    try:
        credentials = feed_credentials(archive, feed)
        fetched = fetcher.fetch(feed.url, previous.etag, previous.last_modified, credentials)
    except FeedError as error:
        status = error.status if isinstance(error, FetchFailed) else None
        return failed(feed, clock(), str(error), status, retry_after_of(error))
    polled_at = clock()
    if fetched.content is None:
        state = replace(
            polled(previous, polled_at, "not_modified", fetched), failures=0, last_deferred=0
        )
        return state, PollResult(feed.feed_id, feed.url, "not_modified", fetched.status)
    try:
        return _capture(archive, feed, fetched, polled_at, max_entries)
    except RecountError as error:
        return failed(feed, polled_at, f"capture failed: {error}", fetched.status)
    except Exception as error:  # a bug or a lost database: record it, keep the worker up
        log.exception("poll of feed %s failed unexpectedly", feed.feed_id)
        return failed(feed, polled_at, f"internal error: {type(error).__name__}: {error}")


def _capture(
    archive: Archive, feed: Feed, fetched: FetchResult, polled_at: datetime, max_entries: int
) -> tuple[FeedState, PollResult]:
    parsed = parse_feed(fetched.content or b"", fetched.url, fetched.content_type)
    if parsed.unusable:
        return failed(feed, polled_at, parsed.unusable, fetched.status)
    done = capture_articles(
        archive, feed.subject, parsed.articles, polled_at, feed_id=feed.feed_id, limit=max_entries
    )
    status = "malformed" if parsed.problem else "ok"
    error = f"feed parsed with problems: {parsed.problem}" if parsed.problem else None
    truncated = sum(1 for article in parsed.articles if article.cut_from is not None)
    state = replace(
        polled(feed.state, polled_at, status, fetched, done),
        last_error=error,
        failures=0,
        last_truncated=truncated,
        last_deferred=done.deferred,
        last_cut=what_was_cut(parsed, truncated, done.deferred),
    )
    if not done.deferred:  # saved only once every entry is in the log
        state = replace(state, etag=fetched.etag, last_modified=fetched.last_modified)
    result = PollResult(
        feed.feed_id,
        feed.url,
        status,
        fetched.status,
        done.new,
        done.changed,
        done.unchanged,
        done.reports,
        error,
        deferred=done.deferred,
        truncated=truncated,
    )
    return state, result
