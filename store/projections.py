"""Projections: the read models, kept in step with the log inside each append's transaction.

`apply` is the only code that writes them, both on append and on replay, so a replay from
position 0 reproduces exactly what the appends built. A `Projector` names such a function and the
tables it owns; which projectors run, and in what order, is decided in one list in
services/archive.py, not here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, insert, select, tuple_, update

from domain.events import DocumentCaptured, FigureReported, RecordedEvent, ReportRetracted
from domain.figures import may_be_current
from domain.qualifiers import VAGUE_BOUNDS
from domain.status import ReportStatus
from store.tables import documents, figures, reports

Handler = Callable[[Connection, Sequence[RecordedEvent]], None]


@dataclass(frozen=True)
class Projector:
    """Something kept in step with the log; a replay empties and rebuilds its `tables`."""

    name: str
    apply: Handler
    tables: tuple[Any, ...] = ()


def apply(connection: Connection, events: Sequence[RecordedEvent]) -> None:
    """The reports, figures and documents read models."""
    _apply_documents(connection, [e for e in events if e.type == DocumentCaptured.type])
    _apply_reports(connection, events)


def clear(connection: Connection, projectors: Sequence[Projector]) -> None:
    """Empty the projectors' tables (before a replay). The log itself is never touched."""
    for projector in projectors:
        for table in projector.tables:
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


@dataclass
class _Touched:
    """What one batch did to one figure."""

    added: int = 0
    last_position: int = 0
    best: tuple[datetime, int, str] | None = None  # the latest new report that may be current
    retracted: bool = False  # a retraction may have removed the current report: ask the table


def _apply_reports(connection: Connection, events: Sequence[RecordedEvent]) -> None:
    new_rows = []
    touched: dict[tuple[str, str], _Touched] = {}
    for recorded in events:
        if recorded.type == FigureReported.type:
            event = recorded.event
            assert isinstance(event, FigureReported)
            new_rows.append(_report_row(event, recorded))
            figure = touched.setdefault((event.subject, event.metric), _Touched())
            figure.added += 1
            figure.last_position = recorded.position
            if may_be_current(event.value, event.qualifier, event.status, event.subset_of):
                candidate = (event.reported_at, recorded.position, event.report_id)
                figure.best = max(figure.best or candidate, candidate)
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
            figure = touched.setdefault((retracted.subject, retracted.metric), _Touched())
            figure.last_position = recorded.position
            figure.retracted = True
    if new_rows:
        connection.execute(insert(reports), new_rows)
    _refresh_figures(connection, touched)


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
        "confidence": event.confidence,
        "eligible": may_be_current(event.value, event.qualifier, event.status, event.subset_of),
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


def _refresh_figures(connection: Connection, touched: dict[tuple[str, str], _Touched]) -> None:
    """Move each touched figure's current report forward, in a few set-based statements.

    A new report replaces the current one when it is later on the story's timeline; only a
    retraction makes the table answer again, since it may have withdrawn the current report.
    """
    stored = _stored_figures(connection, list(touched))
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    for (subject, metric), figure in touched.items():
        old = stored.get((subject, metric))
        if figure.retracted:
            current = connection.execute(current_report_query(subject, metric)).scalar()
        else:
            candidates = [c for c in (old and old[1], figure.best) if c]
            current = max(candidates)[2] if candidates else None
        row = {
            "b_subject": subject,
            "b_metric": metric,
            "b_current": current,
            "b_count": figure.added + (old[0] if old else 0),
            "b_last": figure.last_position,
        }
        (updates if old else inserts).append(row)
    if updates:
        connection.execute(UPDATE_FIGURE, updates)
    if inserts:
        connection.execute(INSERT_FIGURE, inserts)


UPDATE_FIGURE = (
    update(figures)
    .where(figures.c.subject == bindparam("b_subject"), figures.c.metric == bindparam("b_metric"))
    .values(
        current_report_id=bindparam("b_current"),
        report_count=bindparam("b_count"),
        last_position=bindparam("b_last"),
    )
)
INSERT_FIGURE = insert(figures).values(
    subject=bindparam("b_subject"),
    metric=bindparam("b_metric"),
    current_report_id=bindparam("b_current"),
    report_count=bindparam("b_count"),
    last_position=bindparam("b_last"),
)


def _stored_figures(
    connection: Connection, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, tuple[datetime, int, str] | None]]:
    """Each figure's report count and the timeline key of its current report."""
    found: dict[tuple[str, str], tuple[int, tuple[datetime, int, str] | None]] = {}
    joined = figures.outerjoin(reports, reports.c.report_id == figures.c.current_report_id)
    for start in range(0, len(keys), 300):
        query = (
            select(
                figures.c.subject,
                figures.c.metric,
                figures.c.report_count,
                reports.c.reported_at,
                reports.c.position,
                reports.c.report_id,
            )
            .select_from(joined)
            .where(tuple_(figures.c.subject, figures.c.metric).in_(keys[start : start + 300]))
        )
        for subject, metric, count, reported_at, position, report_id in connection.execute(query):
            current = None if report_id is None else (reported_at, position, report_id)
            found[(subject, metric)] = (count, current)
    return found
