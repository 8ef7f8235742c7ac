"""The JSON shapes of the contract (Figure, Report, ...), shared by the HTTP API and `--json`.

Built from the domain's views, never from tables, so the wire format changes only on purpose.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from domain.figures import FigureView, ReportView
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


class SubjectFiguresOut(BaseModel):
    subject: str
    as_of: datetime | None
    known_at: datetime | None
    position: int = Field(description="the log position this view is pinned to")
    figures: list[Figure]

    @classmethod
    def of(cls, result: SubjectFigures) -> SubjectFiguresOut:
        return cls(
            subject=result.subject,
            as_of=result.as_of,
            known_at=result.known_at,
            position=result.position,
            figures=[Figure.of(f) for f in result.figures],
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
