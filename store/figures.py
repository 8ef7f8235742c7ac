"""Figure queries: what a figure is now, as of a moment, as known at a moment, or at a position.

Each question is one indexed query over the reports projection (by subject, bounded by position
and reported_at), folded by the domain's reducer; the log is never replayed to answer it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, union

from domain.errors import InvalidInput, UnknownMetric, UnknownSubject
from domain.events import Source
from domain.figures import FigureView, ReportView, Retraction, Window, reduce_figure
from domain.qualifiers import Qualifier
from domain.status import ReportStatus
from store.events import EventStore
from store.tables import documents, figures, reports


@dataclass(frozen=True)
class SubjectFigures:
    """A subject's figures in one window, and the log position that window is pinned to."""

    subject: str
    as_of: datetime | None
    known_at: datetime | None
    position: int
    figures: list[FigureView]


@dataclass(frozen=True)
class SubjectSummary:
    subject: str
    metrics: list[str]
    report_count: int
    last_position: int


def resolve_window(
    store: EventStore,
    as_of: datetime | None = None,
    known_at: datetime | None = None,
    at_position: int | None = None,
) -> Window:
    """Turn the three axes into a window with one position bound (the log head at most)."""
    head = store.head()
    if at_position is not None and not 0 <= at_position <= head:
        raise InvalidInput(f"at_position {at_position} is outside the log (0..{head})")
    position = head if at_position is None else at_position
    if known_at is not None:
        position = min(position, store.position_known_at(known_at))
    return Window(as_of=as_of, position=position)


def figures_as_of(
    store: EventStore,
    subject: str,
    as_of: datetime | None = None,
    known_at: datetime | None = None,
    at_position: int | None = None,
) -> SubjectFigures:
    window = resolve_window(store, as_of, known_at, at_position)
    _require_subject(store, subject)
    by_metric: dict[str, list[ReportView]] = {}
    for report in _reports(store, subject, None, window):
        by_metric.setdefault(report.metric, []).append(report)
    views = [reduce_figure(subject, m, rs, window) for m, rs in sorted(by_metric.items())]
    assert window.position is not None
    return SubjectFigures(subject, as_of, known_at, window.position, views)


def figure_history(
    store: EventStore,
    subject: str,
    metric: str,
    as_of: datetime | None = None,
    known_at: datetime | None = None,
    at_position: int | None = None,
) -> FigureView:
    window = resolve_window(store, as_of, known_at, at_position)
    _require_subject(store, subject)
    exists = select(figures.c.metric).where(
        and_(figures.c.subject == subject, figures.c.metric == metric)
    )
    with store.engine.connect() as connection:
        if connection.execute(exists).first() is None:
            raise UnknownMetric(f"subject {subject!r} has no figure for metric {metric!r}")
    return reduce_figure(subject, metric, _reports(store, subject, metric, window), window)


def list_subjects(store: EventStore) -> list[SubjectSummary]:
    query = select(
        figures.c.subject, figures.c.metric, figures.c.report_count, figures.c.last_position
    ).order_by(figures.c.subject, figures.c.metric)
    summaries: dict[str, SubjectSummary] = {}
    with store.engine.connect() as connection:
        for subject, metric, count, last in connection.execute(query):
            known = summaries.get(subject) or SubjectSummary(subject, [], 0, 0)
            summaries[subject] = SubjectSummary(
                subject,
                [*known.metrics, metric],
                known.report_count + count,
                max(known.last_position, last),
            )
        document_subjects = connection.execute(select(documents.c.subject).distinct()).scalars()
        for subject in document_subjects:
            summaries.setdefault(subject, SubjectSummary(subject, [], 0, 0))
    return [summaries[s] for s in sorted(summaries)]


def _require_subject(store: EventStore, subject: str) -> None:
    query = union(
        select(figures.c.subject).where(figures.c.subject == subject),
        select(documents.c.subject).where(documents.c.subject == subject),
    )
    with store.engine.connect() as connection:
        if connection.execute(query).first() is None:
            raise UnknownSubject(f"no subject {subject!r} in the archive")


def _reports(
    store: EventStore, subject: str, metric: str | None, window: Window
) -> list[ReportView]:
    conditions = [reports.c.subject == subject]
    if metric is not None:
        conditions.append(reports.c.metric == metric)
    if window.position is not None:
        conditions.append(reports.c.position <= window.position)
    if window.as_of is not None:
        conditions.append(reports.c.reported_at <= window.as_of)
    query = select(reports).where(and_(*conditions))
    with store.engine.connect() as connection:
        return [report_from_row(row) for row in connection.execute(query).mappings()]


def report_from_row(row: Any) -> ReportView:
    retraction = None
    if row["retraction_position"] is not None:
        retraction = Retraction(
            row["retraction_reason"], row["retraction_position"], row["retraction_recorded_at"]
        )
    return ReportView(
        report_id=row["report_id"],
        subject=row["subject"],
        metric=row["metric"],
        value=row["value"],
        low=row["low"],
        high=row["high"],
        qualifier=Qualifier(row["qualifier"]),
        approximate=row["approximate"],
        unit=row["unit"],
        status=ReportStatus(row["status"]),
        subset_of=row["subset_of"],
        quote=row["quote"],
        reported_at=row["reported_at"],
        reported_at_basis=row["reported_at_basis"],
        recorded_at=row["recorded_at"],
        position=row["position"],
        source=Source(
            url=row["source_url"],
            title=row["source_title"],
            publisher=row["source_publisher"],
            document_id=row["document_id"],
        ),
        retraction=retraction,
        confidence=row["confidence"],
    )
