"""Capture: an article becomes a document version plus the reports extracted from it, at once.

One article is one all-or-nothing batch. Idempotency keys name the document, its version and its
content, so capturing the same text again appends nothing, while a corrected article appends a
new version with its own reports and the old version keeps its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from domain.events import DocumentCaptured, FigureReported, PendingEvent, Source
from ingest.articles import Article
from ingest.extract import EXTRACTOR_VERSION, Extraction, extract, vocabulary_for
from store.archive import Archive
from store.tables import documents


@dataclass(frozen=True)
class CaptureResult:
    documents: int = 0
    reports: int = 0
    unchanged: int = 0

    def __add__(self, other: CaptureResult) -> CaptureResult:
        return CaptureResult(
            self.documents + other.documents,
            self.reports + other.reports,
            self.unchanged + other.unchanged,
        )


def capture(
    archive: Archive,
    subject: str,
    article: Article,
    captured_at: datetime,
    *,
    feed_id: str | None = None,
    actor: str = "ingest",
) -> CaptureResult:
    """Append the article as a new document version with its reports, unless it is unchanged."""
    latest = _latest_version(archive, article.document_id)
    if latest is not None and latest[1] == article.content_hash:
        return CaptureResult(unchanged=1)
    version = 1 if latest is None else latest[0] + 1
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
    metadata = {"actor": actor, "extractor_version": EXTRACTOR_VERSION}
    batch = [PendingEvent(document, version - 1, key, metadata)]
    found = extract(article.text, vocabulary_for(archive.settings.metrics_path))
    batch += report_events(subject, document, found, key, metadata)
    result = archive.events.append(batch)
    if not result.appended:
        return CaptureResult(unchanged=1)
    return CaptureResult(documents=1, reports=len(result.appended) - 1)


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
            quote=found.quote,
            reported_at=reported_at,
            reported_at_basis=basis,
            source=source,
        )
        pending.append(PendingEvent(event, idempotency_key=key, metadata=metadata))
    return pending


def capture_all(
    archive: Archive,
    subject: str,
    articles: Iterable[Article],
    clock: Callable[[], datetime],
    *,
    feed_id: str | None = None,
    progress: Callable[[], None] | None = None,
) -> CaptureResult:
    total = CaptureResult()
    for article in articles:
        total += capture(archive, subject, article, clock(), feed_id=feed_id)
        if progress is not None:
            progress()
    return total


def _latest_version(archive: Archive, document_id: str) -> tuple[int, str] | None:
    query = (
        select(documents.c.version, documents.c.content_hash)
        .where(documents.c.document_id == document_id)
        .order_by(documents.c.version.desc())
        .limit(1)
    )
    with archive.engine.connect() as connection:
        row = connection.execute(query).first()
    return None if row is None else (row.version, row.content_hash)
