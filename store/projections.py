"""Projections: the read models, kept in step with the log inside each append's transaction.

`apply` is the only code that writes them, both on append and on replay, so a replay from
position 0 reproduces exactly what the appends built. A `Projector` names such a function and the
tables it owns; which projectors run, and in what order, is decided in one list in
services/archive.py, not here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, select, update

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
from store.ordinals import (
    NUMBER_COLUMNS,
    NewReport,
    Numbers,
    known_figures,
    number_new,
    renumber,
)
from store.rows import FEW, RowInsert, db_time, write
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
    # A replay's handler when the batch's events are in the log's table already (a replay
    # of the live database, not a check's scratch copy, nor an import): it may read them there.
    from_log: Handler | None = None


def apply(connection: Connection, events: Sequence[RecordedEvent]) -> None:
    """The reports, figures and documents read models.

    Nothing is read first: each figure's count and current report move forward in the
    statements that write them (the database compares a new report with the current one), so
    an append's projection writes go with its other writes, in one round trip on PostgreSQL.
    """
    _apply_documents(connection, [e for e in events if e.type == DocumentCaptured.type])
    if any(e.type == ReportCorrected.type for e in events):  # a new report, the old withdrawn
        events = [part for e in events for part in as_report_events(e)]
    _apply_reports(connection, events)


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


def _apply_reports(connection: Connection, events: Sequence[RecordedEvent]) -> None:
    if not events:
        return
    time = db_time(connection.dialect)
    reported: list[tuple[FigureReported, RecordedEvent, bool]] = []  # with its eligibility
    new: list[NewReport] = []  # what numbering reads of each new report, in the same order
    new_ids: set[str] = set()
    retractions: dict[str, list[dict[str, Any]]] = {"stored": [], "new": []}
    retracted_new: set[str] = set()
    touched: dict[tuple[str, str], _Touched] = {}
    for recorded in events:
        if recorded.type == FigureReported.type:
            event = recorded.event
            assert isinstance(event, FigureReported)
            eligible = may_be_current(event.value, event.qualifier, event.status, event.subset_of)
            reported.append((event, recorded, eligible))
            new.append(
                NewReport(
                    event.subject,
                    event.metric,
                    time(event.reported_at),
                    recorded.position,
                    event.value,
                    eligible,
                )
            )
            new_ids.add(event.report_id)
            figure = touched.get((event.subject, event.metric))  # no _Touched made in vain
            if figure is None:
                figure = touched[event.subject, event.metric] = _Touched()
            figure.added += 1
            figure.last_position = recorded.position
            if eligible:  # may be the figure's current report
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
    withdrawn = {figure for figure, t in touched.items() if t.retracted}
    size, end = events[0].position - 1, events[-1].position
    numbers, again = number_new(connection, new, withdrawn, size, end)
    INSERT_REPORTS(connection, list(_report_rows(reported, new, numbers, time)))
    if retractions["new"]:
        connection.execute(RETRACT, retractions["new"])
    _write_figures(connection, touched, size)
    renumber(connection, again, [r["b_report"] for r in retractions["stored"]])


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
INSERT_REPORTS = RowInsert(reports, REPORT_COLUMNS + NUMBER_COLUMNS)


def _report_rows(
    reported: Sequence[tuple[FigureReported, RecordedEvent, bool]],
    new: Sequence[NewReport],
    numbers: Sequence[Numbers],
    time: Callable[[datetime | None], Any],
) -> Iterator[tuple[Any, ...]]:
    """Each new report's row in `REPORT_COLUMNS + NUMBER_COLUMNS` order, its numbers in place.

    What numbering read (subject, metric, the stored reported_at, position) is taken from
    `new`, not worked out again, and each row is made once, whole (it was made without its
    numbers, then copied with them). Enum values go through `str` (a StrEnum's is its value,
    in C), not the slower `.value`.
    """
    recorded_at: tuple[datetime, Any] | None = None  # one time for a whole append: convert once
    for (event, recorded, eligible), report, (ordinal, changed, revision) in zip(
        reported, new, numbers, strict=True
    ):
        if recorded_at is None or recorded_at[0] is not recorded.recorded_at:
            recorded_at = (recorded.recorded_at, time(recorded.recorded_at))
        source = event.source
        yield (
            event.report_id,
            report.subject,
            report.metric,
            event.value,
            event.low,
            event.high,
            str(event.qualifier),
            event.approximate,
            event.unit,
            str(event.status),
            event.subset_of,
            event.quote,
            report.reported_at,
            event.reported_at_basis,
            recorded_at[1],
            report.position,
            source.url,
            source.title,
            source.publisher,
            source.document_id,
            event.confidence,
            eligible,
            ordinal,
            changed,
            revision,
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


def _write_figures(
    connection: Connection, touched: dict[tuple[str, str], _Touched], size: int
) -> None:
    """Move each touched figure's count and current report forward, without reading them.

    A figure already stored is updated in place: its count grows by the reports added, and its
    current report becomes the batch's latest eligible report if that is later on the story's
    timeline than the current one (the database compares them). A new figure is inserted
    (SQLite: one upsert; PostgreSQL: an UPDATE and an INSERT that does nothing for a stored
    figure, in the same statement, so neither needs to know which figures exist; when what
    the last append on this connection kept says which do, only the one statement needed,
    `known_figures`: the other's arrays are not sent, nor its rows probed by the server).
    A retraction may have withdrawn the current report, so those figures are then asked of the
    reports table, once this batch's reports and retractions are written.
    """
    if not touched:
        return
    time = db_time(connection.dialect)
    rows = []
    for (subject, metric), figure in touched.items():
        at, position, current = figure.best or (None, None, None)
        rows.append(
            (current, time(at), position, figure.added, figure.last_position, subject, metric)
        )
    if connection.dialect.name == "postgresql":
        stored, unstored = known_figures(connection, touched, size)
        statements = []
        if len(unstored) < len(touched):  # some figure may be stored
            statements.append(UPDATE_FIGURES_PG)
        if len(stored) < len(touched):  # some figure may be new
            statements.append(INSERT_FIGURES_PG)
        if len(rows) <= FEW:  # plain parameters
            values = tuple(v for row in rows for v in row)
            for statement in statements:
                write(connection, _figures_pg(statement, len(rows)), values)
        else:
            columns = tuple(map(list, zip(*rows, strict=True)))
            for statement in statements:
                write(connection, statement, columns)
    else:
        write(connection, UPSERT_FIGURES_SQLITE, rows, many=True)
    for (subject, metric), figure in touched.items():
        if figure.retracted:
            current = current_report_query(subject, metric).scalar_subquery()
            connection.execute(
                update(figures)
                .where(figures.c.subject == subject, figures.c.metric == metric)
                .values(current_report_id=current)
            )


# Whether the figure's current report comes before the new candidate (:at, :p) on the timeline.
_BEFORE = (
    "(SELECT r.reported_at < {at} OR (r.reported_at = {at} AND r.position < {p}) "
    "FROM reports AS r WHERE r.report_id = figures.current_report_id)"
)
_NEW_CURRENT = (
    "CASE WHEN {c} IS NULL THEN figures.current_report_id "
    "WHEN figures.current_report_id IS NULL THEN {c} "
    f"WHEN {_BEFORE} THEN {{c}} ELSE figures.current_report_id END"
)
# Each row: (candidate report id, its reported_at, its position, reports added, last position,
# subject, metric).
UPSERT_FIGURES_SQLITE = (  # a bound parameter may stand in DO UPDATE: one statement a figure
    "INSERT INTO figures (current_report_id, report_count, last_position, subject, metric) "
    "VALUES (?1, ?4, ?5, ?6, ?7) ON CONFLICT (subject, metric) DO UPDATE SET "
    "report_count = figures.report_count + ?4, last_position = ?5, "
    f"current_report_id = {_NEW_CURRENT.format(c='?1', at='?2', p='?3')}"
)
_UNNEST = (  # PostgreSQL: every figure of an append in one statement
    "unnest(%b::varchar[], %b::timestamptz[], %b::integer[], %b::integer[], %b::integer[], "
    "%b::varchar[], %b::varchar[]) AS u(c, at, p, n, l, s, m)"
)
_VALUES = (  # the same rows as plain parameters: a lone append's figure costs no arrays
    "(%s::varchar, %s::timestamptz, %s::integer, %s::integer, %s::integer, %s::varchar, "
    "%s::varchar)"
)


@functools.cache
def _figures_pg(statement: str, count: int) -> str:
    """`statement` reading `count` rows given as plain parameters instead of arrays."""
    rows = ", ".join([_VALUES] * count)
    return statement.replace(_UNNEST, f"(VALUES {rows}) AS u(c, at, p, n, l, s, m)")


UPDATE_FIGURES_PG = (
    "UPDATE figures SET report_count = figures.report_count + u.n, last_position = u.l, "
    f"current_report_id = {_NEW_CURRENT.format(c='u.c', at='u.at', p='u.p')} "
    f"FROM {_UNNEST} WHERE figures.subject = u.s AND figures.metric = u.m"
)
INSERT_FIGURES_PG = (
    "INSERT INTO figures (current_report_id, report_count, last_position, subject, metric) "
    f"SELECT u.c, u.n, u.l, u.s, u.m FROM {_UNNEST} ON CONFLICT (subject, metric) DO NOTHING"
)
