"""Capture a whole poll's articles in a few transactions instead of one per article.

A 1,000-entry feed captured article by article costs 1,000 lookups and 1,000 appends. Here the
latest version of every document is read in one chunked query, and the pending events of many
articles go into one append. Each article stays all-or-nothing (its document and its reports are
always in the same append), and the idempotency keys are the ones `capture()` uses, so a re-poll,
a crash half-way or `recount ingest` of the same feed appends nothing twice. If another writer
moved a document on in between (a StreamConflict), that group is retried one article at a time
with `capture()`, which reads the version afresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from domain.errors import StreamConflict
from domain.events import DocumentCaptured, FigureReported, PendingEvent
from ingest.articles import Article
from ingest.capture import capture, report_events
from ingest.extract import EXTRACTOR_VERSION, extract
from store.archive import Archive
from store.events import CHUNK
from store.tables import documents

ARTICLES_PER_APPEND = 100


@dataclass(frozen=True)
class BatchResult:
    """What a poll's capture did, as an operator counts it."""

    new: int = 0  # documents seen for the first time
    changed: int = 0  # documents whose text or title changed: a new version
    unchanged: int = 0
    reports: int = 0


def capture_articles(
    archive: Archive,
    subject: str,
    articles: Sequence[Article],
    captured_at: datetime,
    *,
    feed_id: str | None = None,
    per_append: int = ARTICLES_PER_APPEND,
) -> BatchResult:
    """Capture every new or changed article; unchanged ones append nothing."""
    latest = latest_versions(archive, {a.document_id for a in articles})
    groups: list[list[PendingEvent]] = []
    retry: list[Article] = []
    unchanged = 0
    for article in articles:
        known = latest.get(article.document_id)
        if known is not None and known[1] == article.content_hash:
            unchanged += 1
            continue
        version = 1 if known is None else known[0] + 1
        latest[article.document_id] = (version, article.content_hash)
        groups.append(article_events(subject, article, version, captured_at, feed_id))
        retry.append(article)
    total = BatchResult(unchanged=unchanged)
    for start in range(0, len(groups), per_append):
        chunk = groups[start : start + per_append]
        try:
            total = _add(total, _append(archive, chunk))
        except StreamConflict:
            for article in retry[start : start + per_append]:
                total = _add(total, _one(archive, subject, article, captured_at, feed_id))
    return total


def article_events(
    subject: str, article: Article, version: int, captured_at: datetime, feed_id: str | None
) -> list[PendingEvent]:
    """The document version and its reports, keyed exactly as `capture()` keys them."""
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
    pending = [PendingEvent(document, version - 1, key, metadata)]
    return pending + report_events(subject, document, extract(article.text), key, metadata)


def latest_versions(archive: Archive, document_ids: set[str]) -> dict[str, tuple[int, str]]:
    """Each known document's latest (version, content hash), in a few indexed queries."""
    names = sorted(document_ids)
    latest: dict[str, tuple[int, str]] = {}
    with archive.engine.connect() as connection:
        for start in range(0, len(names), CHUNK):
            chunk = names[start : start + CHUNK]
            newest = (
                select(documents.c.document_id, func.max(documents.c.version).label("version"))
                .where(documents.c.document_id.in_(chunk))
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


def _append(archive: Archive, groups: list[list[PendingEvent]]) -> BatchResult:
    result = archive.events.append([item for group in groups for item in group])
    new = changed = reports = 0
    for event in result.appended:
        if event.type == DocumentCaptured.type:
            new, changed = (new + 1, changed) if event.version == 1 else (new, changed + 1)
        elif event.type == FigureReported.type:
            reports += 1
    return BatchResult(new, changed, len(groups) - new - changed, reports)


def _one(
    archive: Archive, subject: str, article: Article, captured_at: datetime, feed_id: str | None
) -> BatchResult:
    before = latest_versions(archive, {article.document_id}).get(article.document_id)
    done = capture(archive, subject, article, captured_at, feed_id=feed_id)
    if not done.documents:
        return BatchResult(unchanged=1, reports=done.reports)
    if before is None:
        return BatchResult(new=1, reports=done.reports)
    return BatchResult(changed=1, reports=done.reports)


def _add(a: BatchResult, b: BatchResult) -> BatchResult:
    return BatchResult(
        a.new + b.new, a.changed + b.changed, a.unchanged + b.unchanged, a.reports + b.reports
    )
