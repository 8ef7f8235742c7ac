"""Reports typed by hand, and retractions: the write use cases of the API and the CLI.

A report from a person goes into the same figure stream as extracted ones, with the person's
token name as the event's `actor`. An idempotency key makes a retried request harmless: the
report id is derived from the key, so a retry appends nothing and returns the first event, while
the same key with other content is refused. Keys are namespaced by actor, so two clients can
never collide.

Who may retract what: a report entered by hand may be retracted by the token that entered it;
any report (extracted ones included) by an editor (`any_report`). Anything else is Forbidden,
refused before anything is appended. Every write names its `actor` and `via` (http or cli).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.errors import (
    AlreadyRetracted,
    Forbidden,
    IdempotencyKeyReused,
    InvalidReport,
    UnknownReport,
)
from domain.events import (
    FigureReported,
    PendingEvent,
    RecordedEvent,
    ReportRetracted,
    Source,
    figure_stream,
)
from domain.qualifiers import Qualifier, interval
from domain.status import ReportStatus
from domain.subjects import validate_subject
from services.archive import Archive
from services.subjects import writing_name
from store.reports import report_stream, stream_version
from store.subjects import LinksMark

METRIC = re.compile(r"[a-z][a-z0-9_]{0,99}")
KEY_MAX = 200


@dataclass(frozen=True)
class ReportInput:
    """A report as a person states it: the source's words and number, and where they came from."""

    metric: str
    value: int | None
    qualifier: str
    quote: str
    reported_at: datetime
    source: Source
    unit: str | None = None
    low: int | None = None  # read for a range only; other qualifiers set their own bounds
    high: int | None = None
    status: str = ReportStatus.REPORTED.value


def validate_metric(metric: str) -> str:
    if not METRIC.fullmatch(metric):
        raise InvalidReport(f"not a metric name: {metric!r} (lowercase, e.g. deaths, arrests)")
    return metric


def record_report(
    archive: Archive,
    subject: str,
    report: ReportInput,
    actor: str,
    idempotency_key: str | None = None,
    expected_version: int | None = None,
    via: str = "http",
    links_at: LinksMark | None = None,
) -> RecordedEvent:
    """Append one FigureReported, under the name the subject's renames and merges led to; with
    a key, a retry returns the event the first call wrote. `links_at`: see `writing_name`."""
    key = _namespaced(actor, idempotency_key)
    name = writing_name(archive, validate_subject(subject), links_at)
    event = _figure_reported(name, report, key)
    pending = PendingEvent(event, expected_version, key, {"actor": actor, "via": via})
    result = archive.events.append([pending])
    if result.existing:
        earlier = result.existing[0]
        if earlier.data != event.to_data():
            raise IdempotencyKeyReused(
                f"idempotency key {idempotency_key!r} was used for another report"
            )
        return earlier
    return result.appended[0]


def retract_report(
    archive: Archive,
    report_id: str,
    reason: str,
    actor: str,
    *,
    any_report: bool,
    via: str = "http",
) -> RecordedEvent:
    """Append a ReportRetracted; the report stays in the log and in every history, marked.

    Without `any_report` (a writer) only a report `actor` entered by hand may be retracted.
    """
    if not reason.strip():
        raise InvalidReport("a retraction needs a reason")
    with archive.engine.connect() as connection:
        row = report_stream(connection, report_id)
        if row is None:
            raise UnknownReport(f"no report {report_id!r}")
        require_right(row, report_id, actor, any_report, "retract")
        if row.retraction_position is not None:
            raise AlreadyRetracted(
                f"report {report_id} was retracted at position {row.retraction_position}"
            )
        version = stream_version(connection, figure_stream(row.subject, row.metric))
    event = ReportRetracted(
        report_id=report_id, subject=row.subject, metric=row.metric, reason=reason
    )
    # The expected version makes two racing retractions a conflict rather than a double entry.
    metadata = {"actor": actor, "via": via}
    pending = PendingEvent(event, expected_version=version, metadata=metadata)
    return archive.events.append([pending]).appended[0]


def require_right(row: Any, report_id: str, actor: str, any_report: bool, verb: str) -> None:
    """A writer (without `any_report`) may act only on the reports it entered itself."""
    if not any_report and not _entered_by(row, actor):
        raise Forbidden(
            f"{actor!r} is a writer: it may {verb} only the reports it entered, and "
            f"report {report_id} was entered by {_entered_by_whom(row)}; an editor may"
        )


def _entered_by(row: Any, actor: str) -> bool:
    """By hand, by this actor, over HTTP (reports before `via` was recorded came only so)."""
    meta = row.meta or {}
    return (
        row.reported_at_basis == "given"
        and meta.get("actor") == actor
        and meta.get("via", "http") == "http"
    )


def _entered_by_whom(row: Any) -> str:
    if row.reported_at_basis != "given":
        return "the extractor"
    return repr((row.meta or {}).get("actor"))


def _figure_reported(subject: str, report: ReportInput, key: str | None) -> FigureReported:
    qualifier = Qualifier.parse(report.qualifier)
    bounds = interval(qualifier, report.value, report.low, report.high)
    if not report.quote.strip():
        raise InvalidReport("a report needs the source's words in `quote`")
    report_id = uuid.uuid5(uuid.NAMESPACE_URL, key) if key else uuid.uuid4()
    return FigureReported(
        report_id=str(report_id),
        subject=subject,
        metric=validate_metric(report.metric),
        value=bounds.value,
        low=bounds.low,
        high=bounds.high,
        qualifier=qualifier,
        approximate=bounds.approximate,
        unit=report.unit,
        status=ReportStatus.parse(report.status),
        quote=report.quote,
        reported_at=report.reported_at,
        reported_at_basis="given",
        source=report.source,
    )


def _namespaced(actor: str, key: str | None) -> str | None:
    if key is None:
        return None
    if not 0 < len(key) <= KEY_MAX:
        raise InvalidReport(f"an idempotency key has 1 to {KEY_MAX} characters")
    return f"api:{actor}:{key}"
