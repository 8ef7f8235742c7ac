"""Figures as CSV, one row per report: the shape both `Accept: text/csv` and `--csv` write.

Spreadsheets and data desks want flat rows, so each report carries its figure's subject and
metric and a `current` flag. Times are RFC 3339 UTC; booleans are `true`/`false`; empty cells
are nulls. The text is written a line at a time from the reports as they are read, so a download
of a long history never holds it whole.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from domain.figures import ReportView
from domain.times import format_time

MEDIA_TYPE = "text/csv; charset=utf-8"
CHUNK = 64 * 1024  # characters written out at a time

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


def figures_csv(figures: Iterable[tuple[str | None, Iterable[ReportView]]]) -> Iterator[str]:
    """CSV lines (header first, CRLF ends as RFC 4180 asks): each figure's current report id
    and its reports, oldest first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for current_id, reports in figures:
        for report in reports:
            writer.writerow(_row(report, report.report_id == current_id))
            if buffer.tell() >= CHUNK:
                yield _taken(buffer)
    yield _taken(buffer)


def _taken(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


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
