"""Re-extraction: run today's extractor over the captured documents and correct the log.

For the latest version of each document of a subject, the new extractor's figures are compared
with the reports that version already has (same metric, value, bounds, qualifier, status, scope
and quote). A figure found again appends nothing; a new one appends a FigureReported with the
new extractor's version in its metadata; an old report the new extractor no longer finds is
retracted with a reason naming that version. Old reports stay in the history either way.
A document's corrections are one all-or-nothing append; running it again appends nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.events import DocumentCaptured, PendingEvent, RecordedEvent, ReportRetracted
from domain.subjects import validate_subject
from ingest.capture import report_events
from ingest.extract import EXTRACTOR_VERSION, Extraction, extract, vocabulary_for
from services.archive import Archive
from store.documents import latest_documents, standing_reports


@dataclass(frozen=True)
class ReextractResult:
    documents: int = 0
    appended: int = 0
    retracted: int = 0
    unchanged: int = 0


Signature = tuple[Any, ...]


def reextract(
    archive: Archive, subject: str, progress: Callable[[], None] | None = None
) -> ReextractResult:
    validate_subject(subject)
    vocabulary = vocabulary_for(archive.settings.metrics_path)
    totals = ReextractResult()
    for captured in latest_documents(archive.engine, subject):
        document = captured.event
        assert isinstance(document, DocumentCaptured)
        found = extract(document.text, vocabulary, published=document.published_at)
        standing = _by_signature(
            standing_reports(archive.engine, document.document_id, captured.position)
        )
        batch, appended, retracted = _corrections(subject, captured, found, standing)
        if batch:
            archive.events.append(batch)
        totals = ReextractResult(
            totals.documents + 1,
            totals.appended + appended,
            totals.retracted + retracted,
            totals.unchanged + len(found) - appended,
        )
        if progress is not None:
            progress()
    return totals


def _corrections(
    subject: str,
    captured: RecordedEvent,
    found: list[Extraction],
    standing: dict[Signature, list[dict[str, Any]]],
) -> tuple[list[PendingEvent], int, int]:
    document = captured.event
    assert isinstance(document, DocumentCaptured)
    fresh = []
    for item in found:
        matches = standing.get(_signature_of_extraction(item))
        if matches:
            matches.pop()
        else:
            fresh.append(item)
    metadata = {"actor": "reextract", "extractor_version": EXTRACTOR_VERSION}
    key = captured.idempotency_key or f"document:{document.document_id}:{captured.position}"
    batch = report_events(subject, document, fresh, key, metadata)
    reason = f"no longer found by extractor {EXTRACTOR_VERSION}"
    gone = [row for rows in standing.values() for row in rows]
    for row in gone:
        retraction = ReportRetracted(
            report_id=row["report_id"], subject=subject, metric=row["metric"], reason=reason
        )
        batch.append(PendingEvent(retraction, metadata=metadata))
    return batch, len(fresh), len(gone)


def _by_signature(rows: list[dict[str, Any]]) -> dict[Signature, list[dict[str, Any]]]:
    standing: dict[Signature, list[dict[str, Any]]] = {}
    for row in rows:
        standing.setdefault(_signature_of_row(row), []).append(row)
    return standing


def _signature_of_extraction(item: Extraction) -> Signature:
    return (
        item.metric,
        item.value,
        item.low,
        item.high,
        item.qualifier.value,
        item.status.value,
        item.subset_of,
        item.quote,
    )


def _signature_of_row(row: Any) -> Signature:
    return (
        row["metric"],
        row["value"],
        row["low"],
        row["high"],
        row["qualifier"],
        row["status"],
        row["subset_of"],
        row["quote"],
    )
