"""The shapes of a figure that the HTTP API and the CLI both print: JSON (`Figure`) and CSV.

Built from the domain's views, never from tables, so the wire format changes only on purpose.
CSV is one row per report, as spreadsheets and data desks want flat rows: each report carries
its figure's subject and metric and a `current` flag. Times are RFC 3339 UTC; booleans are
`true`/`false`; empty cells are nulls.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, Field

from domain.figures import FigureView, ReportView
from domain.times import format_time


class SourceOut(BaseModel):
    url: str | None
    title: str | None
    publisher: str | None
    document_id: str | None


class RetractionOut(BaseModel):
    reason: str
    position: int
    recorded_at: datetime


class Report(BaseModel):
    """One report. `status` is the source's own (reported, previous, ...) or `retracted`."""

    report_id: str
    value: int | None
    low: int | None
    high: int | None
    qualifier: str
    approximate: bool
    unit: str | None
    quote: str
    reported_at: datetime
    reported_at_basis: str = Field(description="published, captured (no date in the entry), given")
    recorded_at: datetime
    position: int
    status: str
    subset_of: str | None
    retraction: RetractionOut | None
    source: SourceOut
    confidence: float | None = Field(
        default=None,
        description="the extractor's confidence, 0-1 (doubtful figures first in review); null for"
        " reports made by hand or before extraction had one",
    )

    @classmethod
    def of(cls, view: ReportView) -> Report:
        retraction = view.retraction
        return cls(
            report_id=view.report_id,
            value=view.value,
            low=view.low,
            high=view.high,
            qualifier=view.qualifier.value,
            approximate=view.approximate,
            unit=view.unit,
            quote=view.quote,
            reported_at=view.reported_at,
            reported_at_basis=view.reported_at_basis,
            recorded_at=view.recorded_at,
            position=view.position,
            status="retracted" if retraction else view.status.value,
            subset_of=view.subset_of,
            retraction=None
            if retraction is None
            else RetractionOut(
                reason=retraction.reason,
                position=retraction.position,
                recorded_at=retraction.recorded_at,
            ),
            source=SourceOut(**view.source.model_dump()),
            confidence=view.confidence,
        )


class Figure(BaseModel):
    subject: str
    metric: str
    current: Report | None
    revisions: list[Report]
    reports: list[Report]

    @classmethod
    def of(cls, view: FigureView) -> Figure:
        return cls(
            subject=view.subject,
            metric=view.metric,
            current=Report.of(view.current) if view.current else None,
            revisions=[Report.of(r) for r in view.revisions],
            reports=[Report.of(r) for r in view.reports],
        )


# --- CSV -------------------------------------------------------------------------------


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
