"""Re-extraction: run today's extractor over the captured documents and correct the log.

For the latest version of each document of a subject, the new extractor's figures are compared
with the reports that version already has (same metric, value, bounds, qualifier, status, scope
and quote). A figure found again appends nothing; a new one appends a FigureReported with the
new extractor's version in its metadata; an old report the new extractor no longer finds is
retracted with a reason naming that version. Old reports stay in the history either way.
A document's corrections are one all-or-nothing append; running it again appends nothing.

A person's decision is never overridden. A confirmed report, and a reading a person entered
(a correction among them), is never retracted; a reading the extractor finds again that a
person confirmed, corrected or rejected appends nothing; a new reading of a sentence a person
decided on (same quote) is not applied but queued against the standing decided report
(ReadingQueued), which goes back into the review queue. A sentence rejected as no figure at
all stays rejected: the extractor's other readings of it are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from domain.events import (
    DocumentCaptured,
    FigureReported,
    PendingEvent,
    ReadingQueued,
    RecordedEvent,
    ReportRetracted,
)
from domain.review import Review, ReviewState
from domain.subjects import validate_subject
from ingest.capture import report_events
from ingest.extract import EXTRACTOR_VERSION, Extraction, extract, vocabulary_for
from services.archive import Archive
from store.documents import latest_documents, standing_reports
from store.review import decisions_of_document


@dataclass(frozen=True)
class ReextractResult:
    documents: int = 0
    appended: int = 0
    retracted: int = 0
    unchanged: int = 0
    queued: int = 0  # new readings of decided sentences, queued for a person


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
        decided = decisions_of_document(archive.engine, document.document_id)
        standing = _by_signature(
            row
            for row in standing_reports(archive.engine, document.document_id, captured.position)
            if row["report_id"] not in decided
        )
        found, held = _held_by_decisions(found, decided, set(standing))
        batch, appended, retracted = _corrections(subject, captured, found, standing)
        queued = _queued(subject, captured, held, decided)
        if batch or queued:
            archive.events.append(batch + queued)
        totals = ReextractResult(
            totals.documents + 1,
            totals.appended + appended,
            totals.retracted + retracted,
            totals.unchanged + len(found) - appended + len(held) - len(queued),
            totals.queued + len(queued),
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


Decided = dict[str, tuple[Any, Review]]


def _held_by_decisions(
    found: list[Extraction], decided: Decided, undecided: set[Signature]
) -> tuple[list[Extraction], list[tuple[Extraction, str]]]:
    """Readings left to compare with the undecided reports, and those a decision holds: each
    with the decided report a different reading is queued against ("" for none to queue).

    A decision holds a reading of its own sentence and metric (the corrected one's metric
    or the correction's).
    """
    if not decided:
        return found, []
    readings = {_signature_of_row(row) for row, _review in decided.values()}
    sentences = {(row["quote"], row["metric"]) for row, _review in decided.values()}
    standing = {
        (row["quote"], row["metric"]): report_id
        for report_id, (row, review) in decided.items()
        if row["retraction_position"] is None
        and review.state in (ReviewState.CONFIRMED, ReviewState.ENTERED)
    }
    free, held = [], []
    for item in found:
        signature = _signature_of_extraction(item)
        if signature in undecided:
            free.append(item)
        elif signature in readings:
            held.append((item, ""))  # the very reading a person decided on
        elif (item.quote, item.metric) in sentences:
            held.append((item, standing.get((item.quote, item.metric), "")))
        else:
            free.append(item)
    return free, held


def _queued(
    subject: str, captured: RecordedEvent, held: list[tuple[Extraction, str]], decided: Decided
) -> list[PendingEvent]:
    """A ReadingQueued for each new reading of a decided sentence that still stands."""
    document = captured.event
    assert isinstance(document, DocumentCaptured)
    metadata = {"actor": "reextract", "extractor_version": EXTRACTOR_VERSION}
    key = captured.idempotency_key or f"document:{document.document_id}:{captured.position}"
    queued = []
    for item, report_id in held:
        if not report_id:
            continue
        (reading,) = report_events(subject, document, [item], f"queued:{key}", metadata)
        assert isinstance(reading.event, FigureReported)
        row = decided[report_id][0]
        event = ReadingQueued(
            report_id=report_id, subject=subject, metric=row["metric"], reading=reading.event
        )
        queued.append(
            PendingEvent(event, idempotency_key=reading.idempotency_key, metadata=metadata)
        )
    return queued


def _by_signature(rows: Iterable[dict[str, Any]]) -> dict[Signature, list[dict[str, Any]]]:
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
