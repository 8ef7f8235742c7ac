"""The JSON shapes of the contract (Figure, Report, ...), shared by the HTTP API and `--json`.

Built from the domain's views, never from tables, so the wire format changes only on purpose.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.events import RecordedEvent
from domain.figures import FigurePage, ReportView
from store.export import canonical_line
from store.figures import SubjectFigures, SubjectSummary


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
        return cls(**_summary_fields(page))


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
        return cls(**_page_fields(page))


class FigureOut(Figure):
    """A Figure over HTTP, with the permalink that pins it."""

    permalink: str = Field(description="the same view pinned at_position: same bytes forever")

    @classmethod
    def pinned(cls, page: FigurePage, permalink: str) -> FigureOut:
        return cls(**_page_fields(page), permalink=permalink)


def _summary_fields(page: FigurePage) -> dict[str, Any]:
    return {
        "subject": page.subject,
        "metric": page.metric,
        "current": Report.of(page.current) if page.current else None,
        "revisions": [Report.of(r) for r in page.revisions],
        "revisions_total": page.revisions_total,
        "reports_total": page.reports_total,
    }


def _page_fields(page: FigurePage) -> dict[str, Any]:
    return _summary_fields(page) | {
        "reports": [Report.of(r) for r in page.reports],
        "reports_remaining": page.reports_remaining,
        "reports_next": page.reports_next.encode() if page.reports_next else None,
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


class SubjectFiguresOut(BaseModel):
    subject: str
    as_of: datetime | None
    known_at: datetime | None
    position: int = Field(description="the log position this view is pinned to")
    permalink: str = Field(description="the same view pinned at_position: same bytes forever")
    figures: list[FigureSummary]

    @classmethod
    def of(cls, result: SubjectFigures, permalink: str) -> SubjectFiguresOut:
        return cls(
            subject=result.subject,
            as_of=result.as_of,
            known_at=result.known_at,
            position=result.position,
            permalink=permalink,
            figures=[FigureSummary.of(f) for f in result.figures],
        )


class Subject(BaseModel):
    subject: str
    metrics: list[str]
    report_count: int
    last_position: int

    @classmethod
    def of(cls, summary: SubjectSummary) -> Subject:
        return cls(**summary.__dict__)


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str


# Request bodies and log events (issue 7). Bounds keep every value storable on both backends.

BIG = 10**15  # far above any count of people, well inside a 64-bit integer


def _text(max_length: int, description: str = "") -> Any:
    return Field(
        min_length=1, max_length=max_length, pattern=r"^[^\x00]*$", description=description
    )


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = _text(2000, "the article's URL")
    title: str | None = Field(default=None, max_length=1000, pattern=r"^[^\x00]*$")
    publisher: str | None = Field(default=None, max_length=300, pattern=r"^[^\x00]*$")


class ReportIn(BaseModel):
    """A report typed by hand. `low` and `high` are read for a `range` only."""

    model_config = ConfigDict(extra="forbid")

    metric: str = Field(pattern=r"^[a-z][a-z0-9_]{0,99}$", examples=["deaths"])
    value: int | None = Field(default=None, ge=0, le=BIG)
    qualifier: str = Field(max_length=40, examples=["at_least"])
    quote: str = _text(10_000, "the source's own words")
    reported_at: str = Field(
        max_length=40, description="RFC 3339, or a date (its end, UTC)", examples=["2022-01-11"]
    )
    unit: str | None = Field(default=None, max_length=100, pattern=r"^[^\x00]*$")
    low: int | None = Field(default=None, ge=0, le=BIG)
    high: int | None = Field(default=None, ge=0, le=BIG)
    status: str = Field(default="reported", max_length=40)
    source: SourceIn


class RetractionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = _text(2000, "why the report is withdrawn")


class EventOut(BaseModel):
    """One event of the log, as appended."""

    position: int
    event_id: str
    stream_id: str
    version: int
    type: str
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: datetime

    @classmethod
    def of(cls, event: RecordedEvent) -> EventOut:
        return cls(**_event_fields(event))


class LogEventOut(EventOut):
    """An event with what an auditor hashes: its canonical bytes and leaf hash, base64."""

    canonical: str = Field(description="base64 of the RFC 8785 bytes the leaf hash is over")
    leaf_hash: str = Field(description="base64 of SHA-256(0x00 || canonical)")

    @classmethod
    def of(cls, event: RecordedEvent) -> LogEventOut:
        return cls(
            **_event_fields(event),
            canonical=base64.b64encode(canonical_line(event)).decode(),
            leaf_hash=base64.b64encode(event.leaf_hash).decode(),
        )


def _event_fields(event: RecordedEvent) -> dict[str, Any]:
    return {
        "position": event.position,
        "event_id": event.event_id,
        "stream_id": event.stream_id,
        "version": event.version,
        "type": event.type,
        "data": event.data,
        "metadata": event.metadata,
        "recorded_at": event.recorded_at,
    }
