"""Events for store tests, built the way the ingest and the API build them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from domain.events import FigureReported, PendingEvent, ReportRetracted, Source
from domain.qualifiers import Qualifier, interval
from domain.status import ReportStatus

SUBJECT = "kazakhstan-unrest-2022"


def reported(
    value: int | None,
    *,
    metric: str = "deaths",
    qualifier: Qualifier = Qualifier.AT_LEAST,
    day: int = 11,
    subject: str = SUBJECT,
    status: ReportStatus = ReportStatus.REPORTED,
    report_id: str | None = None,
    hour: int = 0,
    subset_of: str | None = None,
) -> FigureReported:
    bounds = interval(qualifier, value, value, value)
    return FigureReported(
        report_id=report_id or str(uuid.uuid4()),
        subject=subject,
        metric=metric,
        value=bounds.value,
        low=bounds.low,
        high=bounds.high,
        qualifier=qualifier,
        approximate=bounds.approximate,
        unit="people",
        status=status,
        subset_of=subset_of,
        quote=f"{qualifier.value} {value} {metric}",
        reported_at=datetime(2022, 1, day, hour, tzinfo=UTC),
        source=Source(url="https://example.org/a", title="A", publisher="Example"),
    )


def retracted(report: FigureReported, reason: str = "wrong") -> ReportRetracted:
    return ReportRetracted(
        report_id=report.report_id, subject=report.subject, metric=report.metric, reason=reason
    )


def pending(event, expected: int | None = None, key: str | None = None) -> PendingEvent:
    return PendingEvent(event, expected_version=expected, idempotency_key=key)
