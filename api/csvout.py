"""Figures as CSV, one row per report: the shape both `Accept: text/csv` and `--csv` write.

Spreadsheets and data desks want flat rows, so each report carries its figure's subject and
metric and a `current` flag. Times are RFC 3339 UTC; booleans are `true`/`false`; empty cells
are nulls.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from domain.figures import FigureView, ReportView
from domain.times import format_time

MEDIA_TYPE = "text/csv; charset=utf-8"

COLUMNS = (
    "subject",
    "metric",
    "report_id",
    "value",
    "low",
    "high",
    "qualifier",
    "approximate",
    "unit",
    "status",
    "reported_at",
    "recorded_at",
    "position",
    "quote",
    "source_url",
    "source_title",
    "source_publisher",
    "current",
)


def figures_csv(views: Iterable[FigureView]) -> str:
    """The CSV text (header first, CRLF line ends as RFC 4180 asks) of every report of `views`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for view in views:
        current_id = view.current.report_id if view.current else None
        writer.writerows(_row(report, report.report_id == current_id) for report in view.reports)
    return buffer.getvalue()


def _row(report: ReportView, current: bool) -> list[str]:
    return [
        report.subject,
        report.metric,
        report.report_id,
        _cell(report.value),
        _cell(report.low),
        _cell(report.high),
        report.qualifier.value,
        _flag(report.approximate),
        report.unit or "",
        "retracted" if report.retracted else report.status.value,
        format_time(report.reported_at),
        format_time(report.recorded_at),
        str(report.position),
        report.quote,
        report.source.url or "",
        report.source.title or "",
        report.source.publisher or "",
        _flag(current),
    ]


def _cell(value: int | None) -> str:
    return "" if value is None else str(value)


def _flag(value: bool) -> str:
    return "true" if value else "false"
