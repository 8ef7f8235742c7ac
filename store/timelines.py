"""Whole timelines of figures in a window: what charts, Atom feeds and the history page draw.

The JSON answers are bounded (a page of reports at a time); a chart cannot be: it needs every
revision and every vague report of its window to set its axes honestly. One indexed read of the
figure's reports (index `subject, metric, reported_at, position`), folded by the domain's reducer.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, Engine, and_, select, union

from domain.errors import UnknownMetric, UnknownSubject
from domain.figures import FigureView, ReportView, Window, reduce_figure
from store.figures import report_from_row
from store.tables import documents, figures, reports


def window_conditions(
    subject: ColumnElement[bool], metric: str | None, window: Window
) -> list[ColumnElement[bool]]:
    """The reports of `subject` (or of its one `metric`) that the window can see."""
    conditions = [subject]
    if metric is not None:
        conditions.append(reports.c.metric == metric)
    if window.position is not None:
        conditions.append(reports.c.position <= window.position)
    if window.as_of is not None:
        conditions.append(reports.c.reported_at <= window.as_of)
    return conditions


def timelines(engine: Engine, subject: str, metric: str | None, window: Window) -> list[FigureView]:
    """Each figure of `subject` (or the one `metric`) with every report in the window."""
    conditions = window_conditions(reports.c.subject == subject, metric, window)
    query = select(reports).where(and_(*conditions))
    by_metric: dict[str, list[ReportView]] = {}
    with engine.connect() as connection:
        _require(connection, subject, metric)
        for row in connection.execute(query).mappings():
            report = report_from_row(row)
            by_metric.setdefault(report.metric, []).append(report)
    if metric is not None:
        by_metric.setdefault(metric, [])
    return [reduce_figure(subject, m, rs, window) for m, rs in sorted(by_metric.items())]


def _require(connection: Connection, subject: str, metric: str | None) -> None:
    known = union(
        select(figures.c.subject).where(figures.c.subject == subject),
        select(documents.c.subject).where(documents.c.subject == subject),
    )
    if connection.execute(known).first() is None:
        raise UnknownSubject(f"no subject {subject!r} in the archive")
    if metric is not None:
        figure = select(figures.c.metric).where(
            and_(figures.c.subject == subject, figures.c.metric == metric)
        )
        if connection.execute(figure).first() is None:
            raise UnknownMetric(f"subject {subject!r} has no figure for metric {metric!r}")
