"""A subject made of several stored slugs (renamed or merged into it): its figures folded whole.

A subject's reports keep the slug they were recorded under, so after a rename or a merge one
subject is read from several slugs. Such subjects are few, and their figures are read whole
from `ix_reports_timeline` (every report of the window, one indexed range per slug) and folded
by the domain's reducer: the same answer the indexed lookups give for one slug, which the tests
hold them to. A subject of one slug never comes here.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, and_, select

from domain.errors import UnknownMetric, UnknownSubject
from domain.figures import FigureView, ReportView, Window, reduce_figure
from store.figures import report_from_row
from store.tables import reports
from store.timelines import window_conditions


def merged_timelines(
    engine: Engine, name: str, slugs: Sequence[str], metric: str | None, window: Window
) -> list[FigureView]:
    """Each figure of the slugs together (or the one `metric`), as `name`, in the window."""
    conditions = window_conditions(reports.c.subject.in_(list(slugs)), metric, window)
    by_metric: dict[str, list[ReportView]] = {}
    metrics: set[str] = set()
    with engine.connect() as connection:
        for row in connection.execute(select(reports).where(and_(*conditions))).mappings():
            report = report_from_row(row)
            by_metric.setdefault(report.metric, []).append(report)
        known = select(reports.c.metric).where(reports.c.subject.in_(list(slugs))).distinct()
        metrics = set(connection.execute(known).scalars())
    if metric is not None:
        if metric not in metrics:
            if not metrics:
                raise UnknownSubject(f"no subject {name!r} in the archive")
            raise UnknownMetric(f"subject {name!r} has no figure for metric {metric!r}")
        by_metric.setdefault(metric, [])
    return [reduce_figure(name, m, rs, window) for m, rs in sorted(by_metric.items())]
