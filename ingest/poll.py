"""One poll of one feed, the parts that need no database: its outcome and when to poll next.

services/poll.py fetches, parses, captures and records; this module says what that did to the
feed's state.

Nothing a poll does can lose what was already ingested: entries are captured before the feed's
validators (ETag, Last-Modified) are saved, so a poll that dies half-way is simply repeated in
full next time, and the idempotency keys make the repeat append only what is missing. Failures
never escape: they become the feed's `last_error`, its consecutive `failures` and a later
`next_poll_at` (the server's Retry-After, else exponential backoff from the feed's interval).

A poll captures at most so many new or changed entries (ingest/schedule.py ENTRIES_PER_POLL).
When more are waiting, the validators are not saved, so the next poll (soon: CONTINUE_AFTER)
gets the whole feed again and takes the next ones; nothing is skipped, and the idempotency keys
make sure nothing is doubled. What a poll had to cut (entries over the per-entry cap, entries
left for the next poll) is recorded on the feed. A URL in a log line is shown without credentials.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain.errors import FeedError, FetchFailed
from domain.feeds import Feed, FeedState
from domain.times import format_time
from domain.urls import redact_url
from ingest.articles import MAX_ENTRY_TEXT, ParsedFeed
from ingest.capture import CaptureResult
from ingest.fetch import FetchResult, backoff

JITTER = 0.10  # up to 10% of the interval, so feeds added together drift apart
MAX_BACKOFF = 6 * 3600.0  # seconds; a feed polled daily still backs off to its interval
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


def polled(
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


def what_was_cut(parsed: ParsedFeed, truncated: int, deferred: int) -> str | None:
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


def failed(
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


def retry_after_of(error: FeedError) -> float | None:
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


def schedule_next(feed: Feed, state: FeedState, now: datetime, rng: random.Random) -> FeedState:
    """The next poll: after the interval (or the backoff), plus jitter of up to 10% of it."""
    jitter = timedelta(seconds=rng.uniform(0, JITTER * feed.interval_seconds))
    if state.last_status == "failed" and state.next_poll_at is not None:
        return replace(state, next_poll_at=state.next_poll_at + jitter)
    if state.last_deferred:  # entries are waiting: come back soon, not after the interval
        soon = min(CONTINUE_AFTER, float(feed.interval_seconds))
        return replace(state, next_poll_at=now + timedelta(seconds=soon))
    return replace(state, next_poll_at=now + timedelta(seconds=feed.interval_seconds) + jitter)
