"""The figure view: which report is current, how its value got there, what was said on the way.

The rules (the design's "Time: two axes"):
- a report may become current only if it is numeric (not vague), of status `reported`, not a
  breakdown (`subset_of`) and not retracted in the window asked about;
- the current report is the latest such report by `reported_at`, ties broken by log position;
- `revisions` are the eligible reports where the value changed, oldest first;
- `reports` are all reports in the window, oldest first, retracted ones marked, never dropped.

Answers are bounded (`FigurePage`): the latest revisions with their count, and one page of the
reports with a `ReportCursor` to the next and a count of the rest; `reduce_figure` folds a whole
history and is the oracle the store's indexed queries are held to.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from domain.errors import InvalidInput
from domain.events import FigureReported, RecordedEvent, ReportRetracted, Source
from domain.qualifiers import Qualifier
from domain.review import Review, as_report_events
from domain.status import ReportStatus
from domain.times import format_time, parse_time


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
    # The desk's decision in the window, read beside the report (None until it is read): an
    # annotation from another read model, left out of comparisons.
    review: Review | None = field(default=None, compare=False)

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
    """Which part of the log a question is about: what was asked, and once pinned, the bound.

    Asked: `as_of` bounds the story's time (reported_at), `known_at` the archive's (what
    Recount had recorded by then), `at_position` the log itself. Pinned (`store.figures.pin`):
    `position` is the one position bound the queries use, `at_position` or the log head,
    lowered to the last position recorded by `known_at` (positions and recorded_at rise
    together). A window not pinned has no position bound.
    """

    as_of: datetime | None = None
    known_at: datetime | None = None
    at_position: int | None = None
    position: int | None = None

    def at(self, position: int) -> Window:
        """The same question asked at a fixed log position (a permalink's window)."""
        return replace(self, at_position=position)

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


NOW = Window()  # no bound: every report, as the archive stands


def reduce_figure(
    subject: str, metric: str, reports: Iterable[ReportView], window: Window = NOW
) -> FigureView:
    """Fold a figure's reports into its view within `window`."""
    seen = sorted(
        (window.view(r) for r in reports if window.admits(r)), key=lambda r: r.timeline_key
    )
    eligible = [r for r in seen if r.may_be_current]
    current = eligible[-1] if eligible else None
    return FigureView(subject, metric, current, revisions_of(eligible), seen)


def revisions_of(eligible: Iterable[ReportView]) -> list[ReportView]:
    """The reports where the value changed, from eligible reports in timeline order."""
    revisions: list[ReportView] = []
    for report in eligible:
        if not revisions or revisions[-1].value != report.value:
            revisions.append(report)
    return revisions


@dataclass(frozen=True, order=True)
class ReportCursor:
    """Where a page of reports ended: a place on the timeline (reported_at, then position).

    Opaque to clients (URL-safe base64); a keyset, so reports appended later never shift a page.
    """

    reported_at: datetime
    position: int

    @classmethod
    def after(cls, report: ReportView) -> ReportCursor:
        return cls(report.reported_at, report.position)

    def encode(self) -> str:
        raw = f"{format_time(self.reported_at)}~{self.position}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> ReportCursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            moment, position = raw.split("~")
            cursor = cls(parse_time(moment), int(position))
        except (ValueError, binascii.Error, UnicodeDecodeError, InvalidInput):
            raise InvalidInput(f"not a reports cursor: {token[:60]!r}") from None
        if cursor.position < 1 or not moment.endswith("Z"):
            raise InvalidInput(f"not a reports cursor: {token[:60]!r}")
        return cursor


@dataclass(frozen=True)
class FigurePage:
    """A figure's bounded answer in one window.

    `revisions` are the latest of the window's revisions (oldest first), `revisions_total` how
    many there are in all; `reports` is one page (oldest first) after a cursor, `reports_total`
    the reports in the window, `reports_remaining` those after this page, `reports_next` the
    cursor of the next page (None on the last).
    """

    subject: str
    metric: str
    current: ReportView | None
    revisions: list[ReportView]
    revisions_total: int
    reports_total: int
    reports: list[ReportView] = field(default_factory=list)
    reports_remaining: int = 0
    reports_next: ReportCursor | None = None


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
    for recorded in (part for whole in events for part in as_report_events(whole)):
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
