"""The figure view: which report is current, how its value got there, what was said on the way.

The rules (the design's "Time: two axes"):
- a report may become current only if it is numeric (not vague), of status `reported`, not a
  breakdown (`subset_of`) and not retracted in the window asked about;
- the current report is the latest such report by `reported_at`, ties broken by log position;
- `revisions` are the eligible reports where the value changed, oldest first;
- `reports` are all reports in the window, oldest first, retracted ones marked, never dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from domain.events import FigureReported, RecordedEvent, ReportRetracted, Source
from domain.qualifiers import Qualifier
from domain.status import ReportStatus


@dataclass(frozen=True)
class Retraction:
    reason: str
    position: int
    recorded_at: datetime


@dataclass(frozen=True)
class ReportView:
    """One report as a reader sees it, with its provenance and both of its times."""

    report_id: str
    subject: str
    metric: str
    value: int | None
    low: int | None
    high: int | None
    qualifier: Qualifier
    approximate: bool
    unit: str | None
    status: ReportStatus
    subset_of: str | None
    quote: str
    reported_at: datetime
    reported_at_basis: str
    recorded_at: datetime
    position: int
    source: Source
    retraction: Retraction | None = None
    confidence: float | None = None  # the extractor's, 0-1; None for hand-made and older reports

    @property
    def retracted(self) -> bool:
        return self.retraction is not None

    @property
    def may_be_current(self) -> bool:
        return self.retraction is None and may_be_current(
            self.value, self.qualifier, self.status, self.subset_of
        )

    @property
    def timeline_key(self) -> tuple[datetime, int]:
        return (self.reported_at, self.position)


def may_be_current(
    value: int | None, qualifier: Qualifier, status: ReportStatus, subset_of: str | None
) -> bool:
    """A numeric, non-vague headline figure stated as current (retractions aside)."""
    return (
        value is not None
        and not qualifier.is_vague
        and status is ReportStatus.REPORTED
        and subset_of is None
    )


@dataclass(frozen=True)
class FigureView:
    subject: str
    metric: str
    current: ReportView | None
    revisions: list[ReportView]
    reports: list[ReportView]


@dataclass(frozen=True)
class Window:
    """Which part of the log a question is about.

    `as_of` bounds the story's time (reported_at); `position` bounds the archive's: a known_at
    time is turned into the last position recorded by then, since positions and recorded_at rise
    together.
    """

    as_of: datetime | None = None
    position: int | None = None

    def admits(self, report: ReportView) -> bool:
        return (self.as_of is None or report.reported_at <= self.as_of) and (
            self.position is None or report.position <= self.position
        )

    def view(self, report: ReportView) -> ReportView:
        """The report as it stood in this window: a retraction made later is not seen yet."""
        retraction = report.retraction
        if retraction is not None and self.position is not None:
            if retraction.position > self.position:
                return replace(report, retraction=None)
        return report


def reduce_figure(
    subject: str, metric: str, reports: Iterable[ReportView], window: Window = Window()
) -> FigureView:
    """Fold a figure's reports into its view within `window`."""
    seen = sorted(
        (window.view(r) for r in reports if window.admits(r)), key=lambda r: r.timeline_key
    )
    eligible = [r for r in seen if r.may_be_current]
    revisions: list[ReportView] = []
    for report in eligible:
        if not revisions or revisions[-1].value != report.value:
            revisions.append(report)
    current = eligible[-1] if eligible else None
    return FigureView(subject, metric, current, revisions, seen)


def report_view(event: FigureReported, position: int, recorded_at: datetime) -> ReportView:
    return ReportView(
        report_id=event.report_id,
        subject=event.subject,
        metric=event.metric,
        value=event.value,
        low=event.low,
        high=event.high,
        qualifier=event.qualifier,
        approximate=event.approximate,
        unit=event.unit,
        status=event.status,
        subset_of=event.subset_of,
        quote=event.quote,
        reported_at=event.reported_at,
        reported_at_basis=event.reported_at_basis,
        recorded_at=recorded_at,
        position=position,
        source=event.source,
    )


def replay_reports(events: Iterable[RecordedEvent]) -> dict[tuple[str, str], list[ReportView]]:
    """Every figure's reports by folding the log from the start: the naive oracle for the store."""
    by_id: dict[str, ReportView] = {}
    for recorded in events:
        event = recorded.event
        if isinstance(event, FigureReported):
            by_id[event.report_id] = report_view(event, recorded.position, recorded.recorded_at)
        elif isinstance(event, ReportRetracted) and event.report_id in by_id:
            if by_id[event.report_id].retracted:
                continue  # the first retraction counts
            retraction = Retraction(event.reason, recorded.position, recorded.recorded_at)
            by_id[event.report_id] = replace(by_id[event.report_id], retraction=retraction)
    figures: dict[tuple[str, str], list[ReportView]] = {}
    for report in by_id.values():
        figures.setdefault((report.subject, report.metric), []).append(report)
    return figures
