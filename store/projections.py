"""Projections: the read models, kept in step with the log inside each append's transaction.

`apply` is the only code that writes them, both on append and on replay, so a replay from
position 0 reproduces exactly what the appends built. Handlers for other event types (feeds,
keys, the Merkle tree) register themselves with `register_handler`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update

from domain.events import DocumentCaptured, FigureReported, RecordedEvent, ReportRetracted
from domain.qualifiers import VAGUE_BOUNDS
from domain.status import ReportStatus
from store.tables import documents, figures, reports

Handler = Callable[[Connection, Sequence[RecordedEvent]], None]
HANDLERS: list[Handler] = []
REBUILT_TABLES: list[Any] = [reports, figures, documents]


def register_handler(handler: Handler, *tables: Any) -> None:
    """Add a projection: its handler sees every append; its tables are rebuilt on replay."""
    HANDLERS.append(handler)
    REBUILT_TABLES.extend(tables)


def apply(connection: Connection, events: Sequence[RecordedEvent]) -> None:
    _apply_documents(connection, [e for e in events if e.type == DocumentCaptured.type])
    _apply_reports(connection, events)
    for handler in HANDLERS:
        handler(connection, events)


def clear(connection: Connection) -> None:
    """Empty every projection table (before a replay). The log itself is never touched."""
    for table in REBUILT_TABLES:
        connection.execute(delete(table))


def _apply_documents(connection: Connection, events: Sequence[RecordedEvent]) -> None:
    rows = []
    for recorded in events:
        event = recorded.event
        assert isinstance(event, DocumentCaptured)
        rows.append(
            {
                "document_id": event.document_id,
                "version": recorded.version,
                "subject": event.subject,
                "url": event.url,
                "title": event.title,
                "publisher": event.publisher,
                "content_hash": event.content_hash,
                "text": event.text,
                "published_at": event.published_at,
                "captured_at": event.captured_at,
                "position": recorded.position,
                "feed_id": event.feed_id,
                "entry_id": event.entry_id,
            }
        )
    if rows:
        connection.execute(insert(documents), rows)


def _apply_reports(connection: Connection, events: Sequence[RecordedEvent]) -> None:
    new_rows = []
    touched: dict[tuple[str, str], tuple[int, int]] = {}  # figure -> (new reports, last position)
    for recorded in events:
        if recorded.type == FigureReported.type:
            event = recorded.event
            assert isinstance(event, FigureReported)
            new_rows.append(_report_row(event, recorded))
            added, _ = touched.get((event.subject, event.metric), (0, 0))
            touched[(event.subject, event.metric)] = (added + 1, recorded.position)
        elif recorded.type == ReportRetracted.type:
            if new_rows:  # keep the order: a retraction may follow its report in one batch
                connection.execute(insert(reports), new_rows)
                new_rows = []
            retracted = recorded.event
            assert isinstance(retracted, ReportRetracted)
            connection.execute(
                update(reports)
                .where(reports.c.report_id == retracted.report_id)
                .where(reports.c.retraction_position.is_(None))  # the first retraction counts
                .values(
                    retraction_reason=retracted.reason,
                    retraction_position=recorded.position,
                    retraction_recorded_at=recorded.recorded_at,
                )
            )
            added, _ = touched.get((retracted.subject, retracted.metric), (0, 0))
            touched[(retracted.subject, retracted.metric)] = (added, recorded.position)
    if new_rows:
        connection.execute(insert(reports), new_rows)
    for (subject, metric), (added, last_position) in touched.items():
        _refresh_figure(connection, subject, metric, added, last_position)


def _report_row(event: FigureReported, recorded: RecordedEvent) -> dict[str, Any]:
    return {
        "report_id": event.report_id,
        "subject": event.subject,
        "metric": event.metric,
        "value": event.value,
        "low": event.low,
        "high": event.high,
        "qualifier": event.qualifier.value,
        "approximate": event.approximate,
        "unit": event.unit,
        "status": event.status.value,
        "subset_of": event.subset_of,
        "quote": event.quote,
        "reported_at": event.reported_at,
        "reported_at_basis": event.reported_at_basis,
        "recorded_at": recorded.recorded_at,
        "position": recorded.position,
        "source_url": event.source.url,
        "source_title": event.source.title,
        "source_publisher": event.source.publisher,
        "document_id": event.source.document_id,
    }


def current_report_query(subject: str, metric: str) -> Any:
    """The figure's current report now: the domain's eligibility rule, as one indexed query."""
    return (
        select(reports.c.report_id)
        .where(
            and_(
                reports.c.subject == subject,
                reports.c.metric == metric,
                reports.c.value.is_not(None),
                reports.c.status == ReportStatus.REPORTED.value,
                reports.c.subset_of.is_(None),
                reports.c.retraction_position.is_(None),
                reports.c.qualifier.not_in([q.value for q in VAGUE_BOUNDS]),
            )
        )
        .order_by(reports.c.reported_at.desc(), reports.c.position.desc())
        .limit(1)
    )


def _refresh_figure(
    connection: Connection, subject: str, metric: str, added: int, last_position: int
) -> None:
    current = connection.execute(current_report_query(subject, metric)).scalar()
    key = and_(figures.c.subject == subject, figures.c.metric == metric)
    changed = connection.execute(
        update(figures)
        .where(key)
        .values(
            current_report_id=current,
            report_count=figures.c.report_count + added,
            last_position=last_position,
        )
    )
    if changed.rowcount == 0:
        connection.execute(
            insert(figures).values(
                subject=subject,
                metric=metric,
                current_report_id=current,
                report_count=added,
                last_position=last_position,
            )
        )
