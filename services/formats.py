"""The shapes of a figure that the HTTP API and the CLI both print: JSON (`Figure`) and CSV.

Built from the domain's views, never from tables, so the wire format changes only on purpose.
CSV is one row per report, as spreadsheets and data desks want flat rows: each report carries
its figure's subject and metric and a `current` flag. Times are RFC 3339 UTC; booleans are
`true`/`false`; empty cells are nulls.

A Figure over HTTP is bounded (a page of reports, the latest revisions); the CLI's `--json` and
`--csv` and CSV downloads write whole figures out as they are read (`stream_figure_json`,
`streamed_csv`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from domain.figures import FigurePage, ReportView
from domain.review import UNREVIEWED, Review, highlight
from domain.times import format_time
from services.subjects import Listing
from store.figures import FigureRows, FigureStream, ShownReport


class SourceOut(BaseModel):
    url: str | None
    title: str | None
    publisher: str | None
    document_id: str | None


class RetractionOut(BaseModel):
    reason: str
    position: int
    recorded_at: datetime


class ReviewOut(BaseModel):
    """The desk's decision on a report, as it stood in the window asked about."""

    state: str = Field(description="unreviewed, confirmed, corrected, rejected or entered")
    by: str | None = Field(description="who decided: a token's name, or the operator's")
    at: datetime | None = Field(description="when the decision was recorded")
    reason: str | None
    corrects: str | None = Field(description="the report this one corrected")
    corrected_by: str | None = Field(description="the report that corrected this one")

    @classmethod
    def of(cls, review: Review | None) -> ReviewOut:
        review = review or UNREVIEWED
        return cls(
            state=review.state.value,
            by=review.by,
            at=review.at,
            reason=review.reason,
            corrects=review.corrects,
            corrected_by=review.corrected_by,
        )


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
    review: ReviewOut

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
            review=ReviewOut.of(view.review),
        )


class FigureSummary(BaseModel):
    """A figure in a subject's answer: its current report and latest revisions, no reports."""

    subject: str
    metric: str
    current: Report | None
    revisions: list[Report] = Field(
        description="the latest revisions (reports where the value changed), oldest first"
    )
    revisions_total: int = Field(description="revisions in the window; earlier ones are omitted")
    reports_total: int = Field(description="reports in the window")

    @classmethod
    def of(cls, page: FigurePage) -> FigureSummary:
        return cls(**summary_fields(page))


class Figure(FigureSummary):
    """One figure with a page of its reports, oldest first, and the cursor to the next page."""

    reports: list[Report]
    reports_remaining: int = Field(description="reports after this page")
    reports_next: str | None = Field(
        description="pass as `reports_after` (with the permalink's at_position) for the next "
        "page; null on the last"
    )

    @classmethod
    def of(cls, page: FigurePage) -> Figure:
        return cls(**page_fields(page))


def summary_fields(page: FigurePage) -> dict[str, Any]:
    return {
        "subject": page.subject,
        "metric": page.metric,
        "current": Report.of(page.current) if page.current else None,
        "revisions": [Report.of(r) for r in page.revisions],
        "revisions_total": page.revisions_total,
        "reports_total": page.reports_total,
    }


def page_fields(page: FigurePage) -> dict[str, Any]:
    return summary_fields(page) | {
        "reports": [Report.of(r) for r in page.reports],
        "reports_remaining": page.reports_remaining,
        "reports_next": page.reports_next.encode() if page.reports_next else None,
    }


# The same Figure straight from its rows: plain values in the models' field order, for a JSON
# encoder to write at once (tests/api/test_figure_json.py holds the bytes to the models').


def figure_fields(rows: FigureRows) -> dict[str, Any]:
    """A Figure's fields as `Figure.of` gives them, without a ReportView or a model a report."""
    return {
        "subject": rows.subject,
        "metric": rows.metric,
        "current": None if rows.current is None else report_fields(rows.current),
        "revisions": [report_fields(r) for r in rows.revisions],
        "revisions_total": rows.revisions_total,
        "reports_total": rows.reports_total,
        "reports": [report_fields(r) for r in rows.reports],
        "reports_remaining": rows.reports_remaining,
        "reports_next": rows.reports_next.encode() if rows.reports_next else None,
    }


def report_fields(row: ShownReport) -> dict[str, Any]:
    """A Report's fields as `Report.of` gives them."""
    retracted = row.retraction_position is not None
    return {
        "report_id": row.report_id,
        "value": row.value,
        "low": row.low,
        "high": row.high,
        "qualifier": row.qualifier,
        "approximate": row.approximate,
        "unit": row.unit,
        "quote": row.quote,
        "reported_at": row.reported_at,
        "reported_at_basis": row.reported_at_basis,
        "recorded_at": row.recorded_at,
        "position": row.position,
        "status": "retracted" if retracted else row.status,
        "subset_of": row.subset_of,
        "retraction": {
            "reason": row.retraction_reason,
            "position": row.retraction_position,
            "recorded_at": row.retraction_recorded_at,
        }
        if retracted
        else None,
        "source": {
            "url": row.source_url,
            "title": row.source_title,
            "publisher": row.source_publisher,
            "document_id": row.document_id,
        },
        "confidence": row.confidence,
        "review": {
            "state": row.review_state or UNREVIEWED.state.value,
            "by": row.review_by,
            "at": row.review_at,
            "reason": row.review_reason,
            "corrects": row.review_corrects,
            "corrected_by": row.review_corrected_by,
        },
    }


def stream_figure_json(
    page: FigurePage, revisions: Iterable[ReportView], reports: Iterable[ReportView]
) -> Iterator[str]:
    """A whole Figure as JSON text in pieces: every revision and report, none held at once.

    `page` gives the current report and the counts; its own lists are replaced by the streams.
    """
    head = FigureSummary.of(page).model_dump(mode="json", exclude={"revisions"})
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "revisions": ['
    yield from _joined(revisions)
    yield '], "reports": ['
    yield from _joined(reports)
    yield '], "reports_remaining": 0, "reports_next": null}'


def _joined(reports: Iterable[ReportView]) -> Iterator[str]:
    for n, report in enumerate(reports):
        yield ("" if n == 0 else ", ") + Report.of(report).model_dump_json()


# --- CSV -------------------------------------------------------------------------------


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
    """CSV text (header first, CRLF ends as RFC 4180 asks) in pieces: for each figure, given
    its current report's id, every report as it is read, so a long history is never held."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for current_id, reports in figures:
        for report in reports:
            writer.writerow(_row(report, report.report_id == current_id))
            if buffer.tell() >= CHUNK:
                yield _taken(buffer)
    yield _taken(buffer)


def streamed_csv(streams: Iterable[FigureStream]) -> Iterator[str]:
    """Every report of whole figures as CSV, each row flagged if it is its figure's current."""
    return figures_csv(
        (f.summary.current.report_id if f.summary.current else None, f.reports) for f in streams
    )


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


class ReviewItem(Report):
    """A reading waiting for a look: the report, its figure, where its number stands in the
    sentence and the archived copy of the article it was read from."""

    subject: str
    metric: str
    highlight: list[int] | None = Field(
        description="[start, end) of the number in `quote`; null when it is not in digits"
    )
    archived_copy: str | None = Field(description="the memento of the article it was read from")
    note: str | None = Field(
        default=None,
        description="for a decided report back in the queue: what the extractor reads now",
    )

    @classmethod
    def of_item(cls, view: ReportView, archived_copy: str | None, note: str | None) -> ReviewItem:
        spot = highlight(view.quote, view.value, view.low, view.high)
        return cls(
            **Report.of(view).model_dump(),
            subject=view.subject,
            metric=view.metric,
            highlight=list(spot) if spot else None,
            archived_copy=archived_copy,
            note=note,
        )


class RulesOut(BaseModel):
    match: list[str] = Field(description="an entry holding any of these phrases is routed")
    exclude: list[str] = Field(description="an entry holding any of these is not")
    feeds: list[str] = Field(description="only entries of these feeds (all general feeds if empty)")
    text: str = Field(description="the rules in words")


class SubjectOut(BaseModel):
    """A subject as the lists show it: its definition, its figures' current values, and when
    it last changed (a report, a retraction, or a change of the subject itself)."""

    subject: str
    title: str | None
    description: str | None
    rules: RulesOut
    hidden: bool
    last_change: datetime | None
    metrics: list[str]
    report_count: int
    figures: list[FigureSummary] = Field(description="each figure's current report and revision")

    @classmethod
    def of(cls, listing: Listing) -> SubjectOut:
        subject = listing.subject
        rules = subject.rules
        return cls(
            subject=subject.slug,
            title=subject.title,
            description=subject.description,
            rules=RulesOut(**rules.to_json(), text=rules.describe()),
            hidden=subject.hidden,
            last_change=listing.last_change,
            metrics=[page.metric for page in listing.figures],
            report_count=sum(page.reports_total for page in listing.figures),
            figures=[FigureSummary.of(page) for page in listing.figures],
        )


def subject_json(listing: Listing) -> dict[str, Any]:
    return SubjectOut.of(listing).model_dump(mode="json")
