"""The desk's review of readings: which decisions exist, what each event decides, and how a
correction becomes a new report.

A decision is an ordinary event of the log, so it is seen from its position on and replayed
like any other:
- `ReportConfirmed`: the reading is right (state `confirmed`);
- `ReportCorrected`: the reading is replaced by a new report of the same sentence (the old one
  `corrected`, the new one `entered`, each naming the other);
- `ReportRetracted` written by a person (its metadata names `via`): not a figure at all
  (`rejected`); a retraction by the re-extraction is no decision;
- `FigureReported` written by a person: a reading typed by hand (`entered`).
A report's review in a window is the latest of its decisions inside the window; a report with
none is `unreviewed`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from domain.errors import InvalidReport
from domain.events import (
    FigureReported,
    ReadingQueued,
    RecordedEvent,
    ReportConfirmed,
    ReportCorrected,
    ReportRetracted,
)
from domain.qualifiers import Qualifier, interval, stated
from domain.status import ReportStatus


class ReviewState(StrEnum):
    UNREVIEWED = "unreviewed"
    CONFIRMED = "confirmed"
    CORRECTED = "corrected"  # replaced by another report (`corrected_by`)
    REJECTED = "rejected"  # not a figure at all
    ENTERED = "entered"  # typed by a person, or a correction (`corrects`)
    # Not a decision, never a report's review: the extractor's new reading of a decided
    # sentence, which puts the report back in the queue until a reviewer decides again.
    QUEUED = "queued"


@dataclass(frozen=True)
class Review:
    """One report's decision as it stood at a log position."""

    state: ReviewState
    by: str | None = None
    at: datetime | None = None
    reason: str | None = None
    corrects: str | None = None
    corrected_by: str | None = None
    position: int | None = None


UNREVIEWED = Review(ReviewState.UNREVIEWED)


@dataclass(frozen=True)
class Decision:
    """A row of the decisions read model: what one event decided about one report."""

    report_id: str
    subject: str
    metric: str
    review: Review


def decisions_of(recorded: RecordedEvent) -> list[Decision]:
    """What this event decided, report by report (nothing for most events)."""
    by_person = "via" in recorded.metadata
    actor = recorded.metadata.get("actor")
    if recorded.type not in DECIDING_TYPES or (recorded.type in BY_PERSON and not by_person):
        return []  # decided before any parsing: most events of a log are these
    event = recorded.event

    def decision(
        report_id: str,
        subject: str,
        metric: str,
        state: ReviewState,
        reason: str | None = None,
        corrects: str | None = None,
        corrected_by: str | None = None,
    ) -> Decision:
        found = Review(
            state, actor, recorded.recorded_at, reason, corrects, corrected_by, recorded.position
        )
        return Decision(report_id, subject, metric, found)

    if isinstance(event, FigureReported) and by_person:
        return [decision(event.report_id, event.subject, event.metric, state=ReviewState.ENTERED)]
    if isinstance(event, ReportConfirmed):
        return [decision(event.report_id, event.subject, event.metric, state=ReviewState.CONFIRMED)]
    if isinstance(event, ReportRetracted) and by_person:
        return [
            decision(
                event.report_id,
                event.subject,
                event.metric,
                state=ReviewState.REJECTED,
                reason=event.reason,
            )
        ]
    if isinstance(event, ReadingQueued):
        new = event.reading
        words = stated(new.qualifier, new.value, new.low, new.high)
        note = f"the extractor now reads {new.metric} {words} ({new.status.value})"
        return [decision(event.report_id, event.subject, event.metric, ReviewState.QUEUED, note)]
    if isinstance(event, ReportCorrected):
        new = event.correction
        return [
            decision(
                event.report_id,
                event.subject,
                event.metric,
                state=ReviewState.CORRECTED,
                reason=event.reason,
                corrected_by=new.report_id,
            ),
            decision(
                new.report_id,
                new.subject,
                new.metric,
                state=ReviewState.ENTERED,
                reason=event.reason,
                corrects=event.report_id,
            ),
        ]
    return []


DECIDING_TYPES = frozenset(
    t.type
    for t in (FigureReported, ReportConfirmed, ReportRetracted, ReportCorrected, ReadingQueued)
)
BY_PERSON = frozenset((FigureReported.type, ReportRetracted.type))  # decide only made by hand


def as_report_events(recorded: RecordedEvent) -> list[RecordedEvent]:
    """A correction as the reports read model takes it: the new report, then the old one
    withdrawn, both at the correction's position. Any other event is itself."""
    if recorded.type != ReportCorrected.type:
        return [recorded]
    event = recorded.event
    assert isinstance(event, ReportCorrected)
    withdrawn = ReportRetracted(
        report_id=event.report_id, subject=event.subject, metric=event.metric, reason=event.reason
    )
    return [
        replace(
            recorded,
            type=FigureReported.type,
            data=event.correction.to_data(),
            parsed=event.correction,
        ),
        replace(recorded, type=ReportRetracted.type, data=withdrawn.to_data(), parsed=withdrawn),
    ]


@dataclass(frozen=True)
class Change:
    """What a reviewer changes in a reading; None keeps the old one.

    `subset_of` set to "" makes a breakdown the headline figure again.
    """

    value: int | None = None
    low: int | None = None
    high: int | None = None
    qualifier: str | None = None
    metric: str | None = None
    status: str | None = None
    subset_of: str | None = None
    unit: str | None = None


def corrected(old: FigureReported, change: Change, report_id: str) -> FigureReported:
    """The new reading: the old report's sentence, source and time, with the change applied.

    Refused when it changes nothing: a correction that says the same is a confirmation.
    """
    qualifier = Qualifier.parse(change.qualifier) if change.qualifier else old.qualifier
    value = old.value if change.value is None else change.value
    ends_given = change.low is not None or change.high is not None
    low = change.low if ends_given else old.low
    high = change.high if ends_given else old.high
    bounds = interval(qualifier, value, low, high)
    subset_of = old.subset_of if change.subset_of is None else (change.subset_of or None)
    new = old.model_copy(
        update={
            "report_id": report_id,
            "metric": change.metric or old.metric,
            "value": bounds.value,
            "low": bounds.low,
            "high": bounds.high,
            "qualifier": qualifier,
            "approximate": bounds.approximate,
            "status": ReportStatus.parse(change.status) if change.status else old.status,
            "subset_of": subset_of,
            "unit": old.unit if change.unit is None else (change.unit or None),
            "confidence": None,
        }
    )
    if _reading(new) == _reading(old):
        raise InvalidReport("the correction changes nothing: confirm the report instead")
    return new


def _reading(event: FigureReported) -> tuple[object, ...]:
    return (
        event.metric,
        event.value,
        event.low,
        event.high,
        event.qualifier,
        event.status,
        event.subset_of,
        event.unit,
    )


NUMBER = re.compile(r"\d{1,3}(?:[,\s]\d{3})+(?!\d)|\d+(?:\.\d+)?")
SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
SCALE_WORD = re.compile(r"\s+(thousand|million|billion)\b", re.IGNORECASE)


def highlight(
    quote: str, value: int | None, low: int | None, high: int | None
) -> tuple[int, int] | None:
    """Where the reading's number stands in its sentence (start, end), for a reviewer's eye:
    the first number written there that equals the value (or a bound), else the nearest one
    (a misread "2,030" read as 2,300 still points at what the source wrote); None when the
    reading has no number or the sentence none in digits ("dozens")."""
    wanted = {n for n in (value, low, high) if n is not None}
    if not wanted:
        return None
    nearest: tuple[float, int, int] | None = None
    for match in NUMBER.finditer(quote):
        number = float(re.sub(r"[,\s]", "", match.group()))
        end = match.end()
        scale = SCALE_WORD.match(quote, end)
        if scale is not None:
            number *= SCALES[scale.group(1).lower()]
            end = scale.end()
        if number in wanted:
            return match.start(), end
        distance = min(abs(number - n) / max(n, 1) for n in wanted)
        if nearest is None or distance < nearest[0]:
            nearest = (distance, match.start(), end)
    return None if nearest is None else (nearest[1], nearest[2])
