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

from sqlalchemy import Connection, and_, bindparam, delete, select, tuple_, update

from domain.events import (
    DocumentCaptured,
    FigureReported,
    RecordedEvent,
    ReportCorrected,
    ReportRetracted,
)
from domain.figures import may_be_current
from domain.qualifiers import VAGUE_BOUNDS
from domain.review import as_report_events
from domain.status import ReportStatus
from store import memo
from store.rows import RowInsert, db_time, write
from store.tables import documents, figures, reports

Handler = Callable[[Connection, Sequence[RecordedEvent]], None]


@dataclass(frozen=True)
class Projector:
    """Something kept in step with the log; a replay empties and rebuilds its `tables`.

    A replay runs `replay` instead of `apply` where there is one: the same tables built from
    the whole log in order, in large set-based batches, then `finish` once after the last.
    """

    name: str
    apply: Handler
    tables: tuple[Any, ...] = ()
    replay: Handler | None = None
    finish: Callable[[Connection], None] | None = None


def apply(connection: Connection, events: Sequence[RecordedEvent]) -> None:
    """The reports, figures and documents read models.

    Moving a figure's current report forward needs its count and current report; those the
    last append on this connection left are recalled (store/memo.py) rather than read, so a
    lone writer reads no figure rows. A figure touched by a retraction is read again next time.
    """
    _apply_documents(connection, [e for e in events if e.type == DocumentCaptured.type])
    if not events:
        return
    if any(e.type == ReportCorrected.type for e in events):  # a new report, the old withdrawn
        events = [part for e in events for part in as_report_events(e)]
    known: dict[FigureKey, FigureState] | None = memo.recall(
        connection, FIGURE_STATES, events[0].position - 1
    )
    states = _apply_reports(connection, events, known or {})
    end = events[-1].position
    if known is None or len(known) > REMEMBERED_FIGURES:
        fresh = {key: state for key, state in states.items() if state is not None}
        memo.keep(connection, FIGURE_STATES, end, fresh)
        return

    def bring_up_to_date() -> None:
        assert known is not None
        for key, state in states.items():
            if state is None:
                known.pop(key, None)
            else:
                known[key] = state

    memo.keep(connection, FIGURE_STATES, end, known, bring_up_to_date)


FigureKey = tuple[str, str]
FigureState = tuple[int, tuple[datetime, int, str] | None]  # report count, current's timeline key
FIGURE_STATES = "figure states"  # each figure's count and current report, kept between appends
REMEMBERED_FIGURES = 100_000


def clear(connection: Connection, projectors: Sequence[Projector]) -> None:
    """Empty the projectors' tables (before a replay). The log itself is never touched."""
    for projector in projectors:
        for table in projector.tables:
            connection.execute(delete(table))


DOCUMENT_COLUMNS = (
    "document_id",
    "version",
    "subject",
    "url",
    "title",
    "publisher",
    "content_hash",
    "text",
    "published_at",
    "captured_at",
    "position",
    "feed_id",
    "entry_id",
)
INSERT_DOCUMENTS = RowInsert(documents, DOCUMENT_COLUMNS)


def _apply_documents(connection: Connection, events: Sequence[RecordedEvent]) -> None:
    time = db_time(connection.dialect)
    rows = []
    for recorded in events:
        event = recorded.event
        assert isinstance(event, DocumentCaptured)
        rows.append(
            (
                event.document_id,
                recorded.version,
                event.subject or "",
                event.url,
                event.title,
                event.publisher,
                event.content_hash,
                event.text,
                time(event.published_at),
                time(event.captured_at),
                recorded.position,
                event.feed_id,
                event.entry_id,
            )
        )
    INSERT_DOCUMENTS(connection, rows)


@dataclass
class _Touched:
    """What one batch did to one figure."""

    added: int = 0
    last_position: int = 0
    best: tuple[datetime, int, str] | None = None  # the latest new report that may be current
    retracted: bool = False  # a retraction may have removed the current report: ask the table


def _apply_reports(
    connection: Connection, events: Sequence[RecordedEvent], known: dict[FigureKey, FigureState]
) -> dict[FigureKey, FigureState | None]:
    figure_types = (FigureReported.type, ReportRetracted.type)
    keys = {(e.data["subject"], e.data["metric"]) for e in events if e.type in figure_types}
    if not keys:
        return {}
    stored = {k: known[k] for k in keys if k in known}
    if len(stored) < len(keys):  # read first: the writes below can wait
        stored.update(_stored_figures(connection, sorted(keys - stored.keys())))
    time = db_time(connection.dialect)
    recorded_at: tuple[datetime, Any] | None = None  # one time for a whole append: convert once
    new_rows = []
    new_ids: set[str] = set()
    retractions: dict[str, list[dict[str, Any]]] = {"stored": [], "new": []}
    retracted_new: set[str] = set()
    touched: dict[tuple[str, str], _Touched] = {}
    for recorded in events:
        if recorded.type == FigureReported.type:
            event = recorded.event
            assert isinstance(event, FigureReported)
            if recorded_at is None or recorded_at[0] is not recorded.recorded_at:
                recorded_at = (recorded.recorded_at, time(recorded.recorded_at))
            new_rows.append(_report_row(event, recorded, time(event.reported_at), recorded_at[1]))
            new_ids.add(event.report_id)
            figure = touched.setdefault((event.subject, event.metric), _Touched())
            figure.added += 1
            figure.last_position = recorded.position
            if may_be_current(event.value, event.qualifier, event.status, event.subset_of):
                candidate = (event.reported_at, recorded.position, event.report_id)
                figure.best = max(figure.best or candidate, candidate)
        elif recorded.type == ReportRetracted.type:
            retracted = recorded.event
            assert isinstance(retracted, ReportRetracted)
            retraction = {
                "b_report": retracted.report_id,
                "b_reason": retracted.reason,
                "b_position": recorded.position,
                "b_recorded_at": recorded.recorded_at,
            }
            if retracted.report_id not in new_ids:
                retractions["stored"].append(retraction)
            elif retracted.report_id not in retracted_new:  # the first retraction counts
                retracted_new.add(retracted.report_id)
                retractions["new"].append(retraction)
            figure = touched.setdefault((retracted.subject, retracted.metric), _Touched())
            figure.last_position = recorded.position
            figure.retracted = True
    # Set-based, in an order that gives what one statement per event would: retractions of
    # reports stored before this batch first (so none reaches a report later in the batch),
    # then the new reports, then the retractions of reports new in this batch.
    if retractions["stored"]:
        connection.execute(RETRACT, retractions["stored"])
    INSERT_REPORTS(connection, new_rows)
    if retractions["new"]:
        connection.execute(RETRACT, retractions["new"])
    return _refresh_figures(connection, touched, stored)


RETRACT = (
    update(reports)
    .where(reports.c.report_id == bindparam("b_report"))
    .where(reports.c.retraction_position.is_(None))  # the first retraction counts
    .values(
        retraction_reason=bindparam("b_reason"),
        retraction_position=bindparam("b_position"),
        retraction_recorded_at=bindparam("b_recorded_at"),
    )
)


REPORT_COLUMNS = (
    "report_id",
    "subject",
    "metric",
    "value",
    "low",
    "high",
    "qualifier",
    "approximate",
    "unit",
    "status",
    "subset_of",
    "quote",
    "reported_at",
    "reported_at_basis",
    "recorded_at",
    "position",
    "source_url",
    "source_title",
    "source_publisher",
    "document_id",
    "confidence",
    "eligible",
)
INSERT_REPORTS = RowInsert(reports, REPORT_COLUMNS)


def _report_row(
    event: FigureReported, recorded: RecordedEvent, reported_at: Any, recorded_at: Any
) -> tuple[Any, ...]:
    source = event.source
    return (
        event.report_id,
        event.subject,
        event.metric,
        event.value,
        event.low,
        event.high,
        event.qualifier.value,
        event.approximate,
        event.unit,
        event.status.value,
        event.subset_of,
        event.quote,
        reported_at,
        event.reported_at_basis,
        recorded_at,
        recorded.position,
        source.url,
        source.title,
        source.publisher,
        source.document_id,
        event.confidence,
        may_be_current(event.value, event.qualifier, event.status, event.subset_of),
    )


def current_report_query(subject: Any, metric: Any) -> Any:
    """The figure's current report now: the domain's eligibility rule, as one indexed query.

    `subject` and `metric` are values, or the columns of a figures row to correlate with.
    """
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


def _refresh_figures(
    connection: Connection,
    touched: dict[tuple[str, str], _Touched],
    stored: dict[FigureKey, FigureState],
) -> dict[FigureKey, FigureState | None]:
    """Move each touched figure's current report forward, in a few set-based statements.

    A new report replaces the current one when it is later on the story's timeline; only a
    retraction makes the table answer again, since it may have withdrawn the current report.
    Returns each touched figure's new state (None where a retraction left it to the table).
    """
    updates: list[tuple[Any, ...]] = []
    inserts: list[tuple[Any, ...]] = []
    states: dict[FigureKey, FigureState | None] = {}
    for (subject, metric), figure in touched.items():
        old = stored.get((subject, metric))
        count = figure.added + (old[0] if old else 0)
        if figure.retracted:
            current = connection.execute(current_report_query(subject, metric)).scalar()
            states[(subject, metric)] = None
        else:
            candidates = [c for c in (old and old[1], figure.best) if c]
            best = max(candidates) if candidates else None
            current = best[2] if best else None
            states[(subject, metric)] = (count, best)
        row = (current, count, figure.last_position, subject, metric)
        (updates if old else inserts).append(row)
    if updates and connection.dialect.name == "postgresql":
        write(connection, UPDATE_FIGURES_FROM_ARRAYS, tuple(map(list, zip(*updates, strict=True))))
    elif updates:
        write(connection, UPDATE_FIGURE, updates, many=True)
    INSERT_FIGURES(connection, inserts)
    return states


FIGURE_COLUMNS = ("current_report_id", "report_count", "last_position", "subject", "metric")
INSERT_FIGURES = RowInsert(figures, FIGURE_COLUMNS)
UPDATE_FIGURE = (
    "UPDATE figures SET current_report_id = ?, report_count = ?, last_position = ? "
    "WHERE subject = ? AND metric = ?"
)
UPDATE_FIGURES_FROM_ARRAYS = (  # PostgreSQL: every figure of an append in one statement
    "UPDATE figures SET current_report_id = u.c, report_count = u.n, last_position = u.l "
    "FROM unnest(%b::varchar[], %b::integer[], %b::integer[], %b::varchar[], %b::varchar[]) "
    "AS u(c, n, l, s, m) WHERE figures.subject = u.s AND figures.metric = u.m"
)


FIGURE_STATE = (
    select(figures.c.report_count, reports.c.reported_at, reports.c.position, reports.c.report_id)
    .select_from(figures.outerjoin(reports, reports.c.report_id == figures.c.current_report_id))
    .where(figures.c.subject == bindparam("subject"), figures.c.metric == bindparam("metric"))
)


def _stored_figures(
    connection: Connection, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, tuple[datetime, int, str] | None]]:
    """Each figure's report count and the timeline key of its current report.

    A few figures (a single report, an article's handful) are read by primary key one at a
    time through one prepared statement; many at once by the set-based query.
    """
    found: dict[tuple[str, str], tuple[int, tuple[datetime, int, str] | None]] = {}
    if len(keys) <= 4:
        for subject, metric in keys:
            row = connection.execute(FIGURE_STATE, {"subject": subject, "metric": metric}).first()
            if row is not None:
                count, reported_at, position, report_id = row
                current = None if report_id is None else (reported_at, position, report_id)
                found[(subject, metric)] = (count, current)
        return found
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
