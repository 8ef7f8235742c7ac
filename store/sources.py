"""Each source's latest statement of a figure: what the pages' "sources compared" table shows.

Read from the reports projection, bounded by the same window as every figure query. A source is
its publisher, else its URL's host. Only statements a reader could take as the figure now count:
of status `reported`, not a breakdown, not retracted in the window; vague ones are kept (a source
that says "thousands" is still a source), so the table shows what each source last said.
"""

from __future__ import annotations

from sqlalchemy import Engine, and_, select

from domain.figures import ReportView, Window
from domain.sources import source_name
from domain.status import ReportStatus
from store.figures import report_from_row
from store.tables import reports


def latest_by_source(engine: Engine, subject: str, metric: str, window: Window) -> list[ReportView]:
    """One report per source, its latest in the window; the most recent source first."""
    conditions = [
        reports.c.subject == subject,
        reports.c.metric == metric,
        reports.c.status == ReportStatus.REPORTED.value,
        reports.c.subset_of.is_(None),
    ]
    if window.position is not None:
        conditions.append(reports.c.position <= window.position)
    if window.as_of is not None:
        conditions.append(reports.c.reported_at <= window.as_of)
    query = (
        select(reports).where(and_(*conditions)).order_by(reports.c.reported_at, reports.c.position)
    )
    latest: dict[str, ReportView] = {}
    with engine.connect() as connection:
        for row in connection.execute(query).mappings():
            report = window.view(report_from_row(row))
            if not report.retracted:
                latest[source_name(report.source)] = report
    return sorted(latest.values(), key=lambda r: r.timeline_key, reverse=True)
