"""One poll of one feed: fetch, parse, capture, and record on the feed what happened.

Nothing a poll does can lose what was already ingested: entries are captured before the feed's
validators (ETag, Last-Modified) are saved, so a poll that dies half-way is simply repeated in
full next time, and the idempotency keys make the repeat append only what is missing. Failures
never escape: they become the feed's `last_error`, its consecutive `failures` and a later
`next_poll_at` (the server's Retry-After, else exponential backoff from the feed's interval).

A poll captures at most `max_entries` new or changed entries (MAX_ENTRIES_PER_POLL). When more
are waiting, the validators are not saved, so the next poll (soon: CONTINUE_AFTER) gets the
whole feed again and takes the next ones; nothing is skipped, and the idempotency keys make sure
nothing is doubled. What a poll had to cut (entries over the per-entry cap, entries left for
the next poll) is recorded on the feed. Every URL logged here is shown without credentials.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain.errors import FeedError, FetchFailed, RecountError
from domain.times import format_time
from domain.urls import redact_url
from ingest.articles import MAX_ENTRY_TEXT, ParsedFeed, parse_feed
from ingest.capture import CaptureResult, capture_articles
from ingest.fetch import Fetcher, FetchResult, backoff
from store.archive import Archive
from store.credentials import load_credentials
from store.feeds import Feed, FeedState, get_feed, holding, record_poll

log = logging.getLogger("recount.worker")

JITTER = 0.10  # up to 10% of the interval, so feeds added together drift apart
MAX_BACKOFF = 6 * 3600.0  # seconds; a feed polled daily still backs off to its interval
MAX_ENTRIES_PER_POLL = 500  # new or changed entries one poll captures; the rest wait
CONTINUE_AFTER = 30.0  # seconds before a poll that left entries is followed up


@dataclass(frozen=True)
class PollResult:
    """What one poll did: the structured line the worker logs."""

    feed_id: str
    url: str
    status: str  # ok, malformed, not_modified, failed, or skipped (another worker had it)
    http_status: int | None = None
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    reports: int = 0
    error: str | None = None
    seconds: float = 0.0
    next_poll_at: datetime | None = None
    deferred: int = 0
    truncated: int = 0

    def log_line(self) -> str:
        fields = [
            f"feed={self.feed_id}",
            f"status={self.status}",
            f"http={self.http_status if self.http_status is not None else '-'}",
            f"new={self.new}",
            f"changed={self.changed}",
            f"unchanged={self.unchanged}",
            f"reports={self.reports}",
            f"deferred={self.deferred}",
            f"truncated={self.truncated}",
            f"seconds={self.seconds:.3f}",
            f"next={format_time(self.next_poll_at) if self.next_poll_at else '-'}",
            f"url={redact_url(self.url)}",
        ]
        if self.error:
            fields.append(f"error={self.error!r}")
        return "poll " + " ".join(fields)


def poll_feed(
    archive: Archive,
    feed: Feed,
    fetcher: Fetcher,
    clock: Callable[[], datetime],
    rng: random.Random | None = None,
    max_entries: int = MAX_ENTRIES_PER_POLL,
) -> PollResult:
    """Poll the feed if it is still due and no other worker holds it; record the outcome."""
    started = time.monotonic()
    with holding(archive, feed.feed_id) as held:
        current = get_feed(archive, feed.feed_id, include_removed=True) if held else None
        if current is None or not current.is_due(clock()):
            return PollResult(feed.feed_id, feed.url, "skipped")
        state, result = _poll(archive, current, fetcher, clock, max_entries)
        state = _schedule(current, state, clock(), rng or random.Random())
        record_poll(archive, current.feed_id, state)
    return replace(result, seconds=time.monotonic() - started, next_poll_at=state.next_poll_at)


def _poll(
    archive: Archive,
    feed: Feed,
    fetcher: Fetcher,
    clock: Callable[[], datetime],
    max_entries: int,
) -> tuple[FeedState, PollResult]:
    previous = feed.state
    try:
        credentials = load_credentials(archive, feed.credential_id) if feed.credential_id else None
        fetched = fetcher.fetch(feed.url, previous.etag, previous.last_modified, credentials)
    except FeedError as error:
        status = error.status if isinstance(error, FetchFailed) else None
        return _failed(feed, clock(), str(error), status, _retry_after(error))
    polled_at = clock()
    if fetched.content is None:
        state = replace(
            _polled(previous, polled_at, "not_modified", fetched), failures=0, last_deferred=0
        )
        return state, PollResult(feed.feed_id, feed.url, "not_modified", fetched.status)
    try:
        return _capture(archive, feed, fetched, polled_at, max_entries)
    except RecountError as error:
        return _failed(feed, polled_at, f"capture failed: {error}", fetched.status)
    except Exception as error:  # a bug or a lost database: record it, keep the worker up
        log.exception("poll of feed %s failed unexpectedly", feed.feed_id)
        return _failed(feed, polled_at, f"internal error: {type(error).__name__}: {error}")


def _capture(
    archive: Archive, feed: Feed, fetched: FetchResult, polled_at: datetime, max_entries: int
) -> tuple[FeedState, PollResult]:
    parsed = parse_feed(fetched.content or b"", fetched.url, fetched.content_type)
    if not parsed.articles and parsed.problem:
        return _failed(feed, polled_at, f"not a usable feed: {parsed.problem}", fetched.status)
    done = capture_articles(
        archive, feed.subject, parsed.articles, polled_at, feed_id=feed.feed_id, limit=max_entries
    )
    status = "malformed" if parsed.problem else "ok"
    error = f"feed parsed with problems: {parsed.problem}" if parsed.problem else None
    truncated = sum(1 for article in parsed.articles if article.cut_from is not None)
    state = replace(
        _polled(feed.state, polled_at, status, fetched, done),
        last_error=error,
        failures=0,
        last_truncated=truncated,
        last_deferred=done.deferred,
        last_cut=_what_was_cut(parsed, truncated, done.deferred),
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


def _what_was_cut(parsed: ParsedFeed, truncated: int, deferred: int) -> str | None:
    """In words, for `recount feeds list`: entries cut to the cap, entries left for later."""
    parts = []
    if truncated:
        first = next(a for a in parsed.articles if a.cut_from is not None)
        parts.append(
            f"{truncated} entries over the cap kept their first {MAX_ENTRY_TEXT:,} characters "
            f"of text (first: {redact_url(first.url)}, {first.cut_from:,} characters of HTML)"
        )
    if deferred:
        parts.append(f"{deferred} new or changed entries left for the next poll")
    return "; ".join(parts) or None


def _polled(
    previous: FeedState,
    polled_at: datetime,
    status: str,
    fetched: FetchResult,
    done: CaptureResult | None = None,
) -> FeedState:
    done = done or CaptureResult()
    return replace(
        previous,
        last_polled_at=polled_at,
        last_status=status,
        last_http_status=fetched.status,
        last_error=None,
        last_new=done.new,
        last_changed=done.changed,
        last_unchanged=done.unchanged,
        last_reports=done.reports,
    )


def _failed(
    feed: Feed,
    polled_at: datetime,
    error: str,
    http_status: int | None = None,
    retry_after: float | None = None,
) -> tuple[FeedState, PollResult]:
    """A failed poll keeps the old validators, so nothing is skipped when the feed recovers."""
    state = replace(
        feed.state,
        last_polled_at=polled_at,
        last_status="failed",
        last_http_status=http_status,
        last_error=error,
        last_new=0,
        last_changed=0,
        last_unchanged=0,
        last_reports=0,
        failures=feed.state.failures + 1,
    )
    state = replace(state, next_poll_at=_retry_at(feed, state, polled_at, retry_after))
    return state, PollResult(feed.feed_id, feed.url, "failed", http_status, error=error)


def _retry_after(error: FeedError) -> float | None:
    return error.retry_after if isinstance(error, FetchFailed) else None


def _retry_at(feed: Feed, state: FeedState, now: datetime, retry_after: float | None) -> datetime:
    """Not before the server's Retry-After, nor sooner than the interval; else exponential."""
    interval = float(feed.interval_seconds)
    cap = max(interval, MAX_BACKOFF)
    if retry_after is not None:
        delay = max(backoff(state.failures, retry_after, interval, cap), interval)
    else:
        delay = backoff(state.failures, None, interval, cap)
    return now + timedelta(seconds=delay)


def _schedule(feed: Feed, state: FeedState, now: datetime, rng: random.Random) -> FeedState:
    """The next poll: after the interval (or the backoff), plus jitter of up to 10% of it."""
    jitter = timedelta(seconds=rng.uniform(0, JITTER * feed.interval_seconds))
    if state.last_status == "failed" and state.next_poll_at is not None:
        return replace(state, next_poll_at=state.next_poll_at + jitter)
    if state.last_deferred:  # entries are waiting: come back soon, not after the interval
        soon = min(CONTINUE_AFTER, float(feed.interval_seconds))
        return replace(state, next_poll_at=now + timedelta(seconds=soon))
    return replace(state, next_poll_at=now + timedelta(seconds=feed.interval_seconds) + jitter)
