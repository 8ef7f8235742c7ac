"""Capture use cases: articles (from a feed file, a URL, or a poll) appended to the log.

Each article is all-or-nothing: its document and its reports are always in the same append.
A feed's articles are captured in few transactions: the latest version of every document is
read in one chunked query and many articles go into one append. If another writer moved a
document on in between (a StreamConflict), that group is retried one article at a time, reading
the version afresh.

Memory stays flat: events are built one group of articles at a time and dropped once appended.
`limit` caps the new or changed articles one call captures; the rest are counted as `deferred`
for the caller (a poll) to take next time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from domain.errors import InvalidInput, StreamConflict
from domain.events import DocumentCaptured, FigureReported, PendingEvent
from domain.subjects import validate_subject
from domain.urls import redact_url
from ingest.articles import Article, parse_feed
from ingest.capture import CaptureResult, article_events
from ingest.extract import vocabulary_for
from ingest.sources import read_source
from services.archive import Archive
from store.documents import latest_versions
from store.events import AppendResult

ARTICLES_PER_APPEND = 100


def ingest_source(
    archive: Archive,
    source: str,
    subject: str,
    *,
    on_total: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> CaptureResult:
    validate_subject(subject)
    content, base_url, content_type = read_source(source, archive.settings.private_networks)
    feed = parse_feed(content, base_url, content_type)
    if feed.unusable:
        raise InvalidInput(f"{redact_url(source)}: {feed.unusable}")
    if on_total is not None:
        on_total(len(feed.articles))
    captured_at = archive.events.clock()
    return capture_articles(archive, subject, feed.articles, captured_at, progress=progress)


def capture_articles(
    archive: Archive,
    subject: str,
    articles: Sequence[Article],
    captured_at: datetime,
    *,
    feed_id: str | None = None,
    per_append: int = ARTICLES_PER_APPEND,
    progress: Callable[[int], None] | None = None,
    limit: int | None = None,
) -> CaptureResult:
    """Capture every new or changed article (at most `limit`); unchanged ones append nothing."""
    vocabulary = vocabulary_for(archive.settings.metrics_path)
    latest = latest_versions(archive.engine, {a.document_id for a in articles})
    total = CaptureResult()
    group: list[tuple[Article, list[PendingEvent]]] = []
    taken = 0
    counted = 0  # articles not yet reported to `progress`
    for article in articles:
        known = latest.get(article.document_id)
        if known is not None and known[1] == article.content_hash:
            total += CaptureResult(unchanged=1)
            counted += 1
            continue
        if limit is not None and taken >= limit:
            total += CaptureResult(deferred=1)
            continue
        taken += 1
        version = 1 if known is None else known[0] + 1
        latest[article.document_id] = (version, article.content_hash)
        events = article_events(subject, article, version, captured_at, feed_id, vocabulary)
        group.append((article, events))
        if len(group) >= per_append:
            total += _append_group(archive, subject, group, captured_at, feed_id)
            counted += len(group)
            group = []
            if progress is not None:
                progress(counted)
                counted = 0
    if group:
        total += _append_group(archive, subject, group, captured_at, feed_id)
        counted += len(group)
    if progress is not None and counted:
        progress(counted)
    return total


def _append_group(
    archive: Archive,
    subject: str,
    group: list[tuple[Article, list[PendingEvent]]],
    captured_at: datetime,
    feed_id: str | None,
) -> CaptureResult:
    """One append for the group; on a conflict, each article again on its own."""
    try:
        return _counted(archive.events.append([e for _, events in group for e in events]))
    except StreamConflict:
        total = CaptureResult()
        for article, _ in group:
            total += _capture_one(archive, subject, article, captured_at, feed_id)
        return total


def _capture_one(
    archive: Archive, subject: str, article: Article, captured_at: datetime, feed_id: str | None
) -> CaptureResult:
    known = latest_versions(archive.engine, {article.document_id}).get(article.document_id)
    if known is not None and known[1] == article.content_hash:
        return CaptureResult(unchanged=1)
    version = 1 if known is None else known[0] + 1
    vocabulary = vocabulary_for(archive.settings.metrics_path)
    events = article_events(subject, article, version, captured_at, feed_id, vocabulary)
    return _counted(archive.events.append(events))


def _counted(result: AppendResult) -> CaptureResult:
    """Count an append's documents (new or changed) and reports; a replayed key counts unchanged."""
    total = CaptureResult()
    for event in result.appended:
        if event.type == DocumentCaptured.type:
            total += CaptureResult(new=1) if event.version == 1 else CaptureResult(changed=1)
        elif event.type == FigureReported.type:
            total += CaptureResult(reports=1)
    skipped = sum(1 for event in result.existing if event.type == DocumentCaptured.type)
    return total + CaptureResult(unchanged=skipped)
