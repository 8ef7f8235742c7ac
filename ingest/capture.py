"""Capture: articles become document versions plus the reports extracted from them.

This module turns articles into the events to append; services/capture.py appends them.
Each article is all-or-nothing: its document and its reports are always in the same append.
Idempotency keys name the document, its version and its content, so capturing the same text again
appends nothing, a corrected article appends a new version with its own reports, and the old
version keeps its own. A feed's articles are captured in few transactions: the latest version of
every document is read in one chunked query and many articles go into one append. If another
writer moved a document on in between (a StreamConflict), that group is retried one article at a
time, reading the version afresh.

A quote is at most MAX_QUOTE characters, the bound the API puts on a report typed by hand, cut
around the figure's own words: one long sentence cannot become a quote of megabytes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.events import DocumentCaptured, DocumentRouted, FigureReported, PendingEvent, Source
from ingest.articles import Article
from ingest.extract import EXTRACTOR_VERSION, Extraction, Vocabulary, extract

MAX_QUOTE = 10_000
ELLIPSIS = "…"


@dataclass(frozen=True)
class CaptureResult:
    """What a capture did, as an operator counts it."""

    new: int = 0  # documents seen for the first time
    changed: int = 0  # documents whose text or title changed: a new version
    unchanged: int = 0
    reports: int = 0
    deferred: int = 0  # new or changed, left over by a capture's `limit` for the next one
    routed: int = 0  # (document, subject) routes: a general entry's subjects, a second subject

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
            self.routed + other.routed,
        )


def article_events(
    subject: str | None,
    article: Article,
    version: int,
    captured_at: datetime,
    feed_id: str | None,
    vocabulary: Vocabulary,
    routes: Sequence[str] = (),
) -> list[PendingEvent]:
    """The document version and the reports extracted from it, with their idempotency keys.

    `subject` None: captured for no subject (a general feed's entry), then routed to each of
    `routes` with that subject's own reports. Nothing is extracted for an entry no subject takes.
    """
    document = article_document(subject, article, captured_at, feed_id)
    key = f"document:{article.document_id}:v{version}:{article.content_hash}"
    metadata = {"actor": "ingest", "extractor_version": EXTRACTOR_VERSION}
    found = (
        extract(article.text, vocabulary, published=article.published_at)
        if subject is not None or routes
        else []
    )
    pending = [PendingEvent(document, version - 1, key, metadata)]
    if subject is not None:
        pending += report_events(subject, document, found, key, metadata)
    return pending + route_events(document, version, routes, found, metadata)


def route_events(
    document: DocumentCaptured,
    version: int,
    subjects: Sequence[str],
    found: Sequence[Extraction],
    metadata: dict[str, str],
) -> list[PendingEvent]:
    """For each subject, DocumentRouted and that subject's reports: keyed by the document
    version and the subject, so routing the same version to the same subject again appends
    nothing."""
    pending = []
    for subject in subjects:
        key = f"route:{document.document_id}:v{version}:{document.content_hash}:{subject}"
        routed = DocumentRouted(
            document_id=document.document_id,
            version=version,
            content_hash=document.content_hash,
            subject=subject,
        )
        pending.append(PendingEvent(routed, idempotency_key=key, metadata=metadata))
        pending += report_events(subject, document, found, key, metadata)
    return pending


def article_document(
    subject: str | None, article: Article, captured_at: datetime, feed_id: str | None
) -> DocumentCaptured:
    return DocumentCaptured(
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
            confidence=found.confidence,
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
