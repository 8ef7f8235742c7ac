"""Capture: articles become document versions plus the reports extracted from them.

Each article is all-or-nothing: its document and its reports are always in the same append.
Idempotency keys name the document, its version and its content, so capturing the same text again
appends nothing, a corrected article appends a new version with its own reports, and the old
version keeps its own. A feed's articles are captured in few transactions: the latest version of
every document is read in one chunked query and many articles go into one append. If another
writer moved a document on in between (a StreamConflict), that group is retried one article at a
time, reading the version afresh.

Memory stays flat: events are built one group of articles at a time and dropped once appended.
`limit` caps the new or changed articles one call captures; the rest are counted as `deferred`
for the caller (a poll) to take next time. A quote is at most MAX_QUOTE characters, the same
bound the API puts on a report typed by hand, cut around the figure's own words.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from domain.errors import StreamConflict
from domain.events import DocumentCaptured, FigureReported, PendingEvent, Source
from ingest.articles import Article
from ingest.extract import EXTRACTOR_VERSION, Extraction, Vocabulary, extract, vocabulary_for
from store.archive import Archive
from store.events import CHUNK, AppendResult
from store.tables import documents

ARTICLES_PER_APPEND = 100
MAX_QUOTE = 10_000
ELLIPSIS = "…"


@dataclass(frozen=True)
class CaptureResult:
    """What a capture did, as an operator counts it."""

    new: int = 0  # documents seen for the first time
    changed: int = 0  # documents whose text or title changed: a new version
    unchanged: int = 0
    reports: int = 0
    deferred: int = 0  # new or changed, left over by `limit` for the next call

    @property
    def documents(self) -> int:
        return self.new + self.changed

    def __add__(self, other: CaptureResult) -> CaptureResult:
        return CaptureResult(
            self.new + other.new,
            self.changed + other.changed,
            self.unchanged + other.unchanged,
            self.reports + other.reports,
            self.deferred + other.deferred,
        )


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
    latest = latest_versions(archive, {a.document_id for a in articles})
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


def article_events(
    subject: str,
    article: Article,
    version: int,
    captured_at: datetime,
    feed_id: str | None,
    vocabulary: Vocabulary,
) -> list[PendingEvent]:
    """The document version and the reports extracted from it, with their idempotency keys."""
    document = DocumentCaptured(
        document_id=article.document_id,
        subject=subject,
        url=article.url,
        title=article.title,
        publisher=article.publisher,
        content_hash=article.content_hash,
        text=article.text,
        published_at=article.published_at,
        captured_at=captured_at,
        feed_id=feed_id,
        entry_id=article.entry_id,
    )
    key = f"document:{article.document_id}:v{version}:{article.content_hash}"
    metadata = {"actor": "ingest", "extractor_version": EXTRACTOR_VERSION}
    found = extract(article.text, vocabulary)
    return [PendingEvent(document, version - 1, key, metadata)] + report_events(
        subject, document, found, key, metadata
    )


def report_events(
    subject: str,
    document: DocumentCaptured,
    extractions: Iterable[Extraction],
    document_key: str,
    metadata: dict[str, str],
) -> list[PendingEvent]:
    """One FigureReported per extraction, its id derived from its idempotency key."""
    reported_at = document.published_at or document.captured_at
    basis = "published" if document.published_at is not None else "captured"
    source = Source(
        url=document.url,
        title=document.title,
        publisher=document.publisher,
        document_id=document.document_id,
    )
    pending = []
    for found in extractions:
        key = f"report:{document_key}:{metadata['extractor_version']}:{found.start}:{found.metric}"
        event = FigureReported(
            report_id=str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
            subject=subject,
            metric=found.metric,
            value=found.value,
            low=found.low,
            high=found.high,
            qualifier=found.qualifier,
            approximate=found.approximate,
            unit=found.unit,
            status=found.status,
            subset_of=found.subset_of,
            quote=bounded_quote(found.quote, found.surface),
            reported_at=reported_at,
            reported_at_basis=basis,
            source=source,
        )
        pending.append(PendingEvent(event, idempotency_key=key, metadata=metadata))
    return pending


def bounded_quote(quote: str, surface: str, limit: int = MAX_QUOTE) -> str:
    """The quote, or a window of at most `limit` characters around the figure's words in it."""
    if len(quote) <= limit:
        return quote
    at = max(quote.find(surface), 0)
    room = limit - 2 * len(ELLIPSIS)
    start = max(0, min(at - (room - len(surface)) // 2, len(quote) - room))
    window = quote[start : start + room]
    head = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if start + room < len(quote) else ""
    return head + window + tail


def latest_versions(archive: Archive, document_ids: set[str]) -> dict[str, tuple[int, str]]:
    """Each known document's latest (version, content hash), in a few indexed queries."""
    names = sorted(document_ids)
    latest: dict[str, tuple[int, str]] = {}
    with archive.engine.connect() as connection:
        for start in range(0, len(names), CHUNK):
            newest = (
                select(documents.c.document_id, func.max(documents.c.version).label("version"))
                .where(documents.c.document_id.in_(names[start : start + CHUNK]))
                .group_by(documents.c.document_id)
                .subquery()
            )
            query = select(
                documents.c.document_id, documents.c.version, documents.c.content_hash
            ).join(
                newest,
                (documents.c.document_id == newest.c.document_id)
                & (documents.c.version == newest.c.version),
            )
            for row in connection.execute(query):
                latest[row.document_id] = (row.version, row.content_hash)
    return latest


def _capture_one(
    archive: Archive, subject: str, article: Article, captured_at: datetime, feed_id: str | None
) -> CaptureResult:
    known = latest_versions(archive, {article.document_id}).get(article.document_id)
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
