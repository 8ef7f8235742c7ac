"""The review desk's use cases: the queue, confirm, correct, reject, add; and each report's
review as it stood in a window.

Every decision is one event appended with the acting person's name (`actor`) and `via`, on the
report's figure stream at the version the caller saw (`expected_version`, an `If-Match` over
HTTP) or at the version read here, so two reviewers racing on one figure get a conflict, not
two decisions. Nothing is appended when a check fails. Who may decide: an editor any report, a
writer only the reports it entered itself (the retraction rule). Rejecting a reading is a
retraction (services/reports.py) made by a person, and shows as `rejected`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from domain.errors import (
    AlreadyDecided,
    AlreadyRetracted,
    InvalidReport,
    UnknownDocument,
    UnknownReport,
)
from domain.events import (
    FigureReported,
    PendingEvent,
    RecordedEvent,
    ReportConfirmed,
    ReportCorrected,
    Source,
    figure_stream,
)
from domain.figures import FigurePage, FigureView, ReportView, Window
from domain.links import web_link
from domain.qualifiers import Qualifier, interval
from domain.review import Change, ReviewState, corrected
from domain.status import ReportStatus
from domain.subjects import validate_subject
from services.archive import Archive
from services.formats import ReviewItem
from services.mementos import archived_copies
from services.reports import require_right, validate_metric
from services.tokens import TokenInfo, authenticate
from store import review
from store.reports import report_stream, stream_version
from store.review import QueueCursor as QueueCursor
from store.tokens import token_by_id

QUEUE_LIMIT = 20
QUEUE_MAX = 500


@dataclass(frozen=True)
class ReviewQueue:
    """A page of the readings waiting for a look, least sure first."""

    items: list[ReportView]
    waiting: int  # how many wait in all
    next: QueueCursor | None
    notes: dict[str, str]  # a requeued report's id: what the extractor reads there now


def review_queue(
    archive: Archive,
    subject: str | None = None,
    limit: int = QUEUE_LIMIT,
    after: str | None = None,
) -> ReviewQueue:
    """Standing readings no one has decided on yet, lowest confidence first."""
    if subject is not None:
        validate_subject(subject)
    if not 1 <= limit <= QUEUE_MAX:
        raise InvalidReport(f"limit must be between 1 and {QUEUE_MAX}")
    cursor = None if after is None else QueueCursor.decode(after)
    return ReviewQueue(*review.queue(archive.engine, subject, limit, cursor))


def waiting(archive: Archive, subject: str) -> int:
    return review.waiting_count(archive.engine, subject)


def confirm_report(
    archive: Archive,
    report_id: str,
    actor: str,
    *,
    any_report: bool,
    via: str = "http",
    expected_version: int | None = None,
) -> RecordedEvent:
    """Append a ReportConfirmed: the reading is right as it stands."""
    row, version, _reading = _standing(archive, report_id, actor, any_report, "confirm")
    event = ReportConfirmed(report_id=report_id, subject=row.subject, metric=row.metric)
    return _append(
        archive, event, version if expected_version is None else expected_version, actor, via
    )


def correct_report(
    archive: Archive,
    report_id: str,
    change: Change,
    reason: str,
    actor: str,
    *,
    any_report: bool,
    via: str = "http",
    expected_version: int | None = None,
) -> RecordedEvent:
    """Append a ReportCorrected: a new reading of the same sentence takes the old one's place."""
    if not reason.strip():
        raise InvalidReport("a correction needs a reason")
    if change.metric is not None:
        validate_metric(change.metric)
    row, version, reading = _standing(archive, report_id, actor, any_report, "correct")
    new = corrected(reading, change, str(uuid.uuid4()))
    event = ReportCorrected(
        report_id=report_id, subject=row.subject, metric=row.metric, reason=reason, correction=new
    )
    return _append(
        archive, event, version if expected_version is None else expected_version, actor, via
    )


def _standing(
    archive: Archive, report_id: str, actor: str, any_report: bool, verb: str
) -> tuple[Any, int, FigureReported]:
    """The report, its stream's version and its reading, if a decision on it may be made."""
    with archive.engine.connect() as connection:
        row = report_stream(connection, report_id)
        if row is None:
            raise UnknownReport(f"no report {report_id!r}")
        require_right(row, report_id, actor, any_report, verb)
        if row.retraction_position is not None:
            raise AlreadyRetracted(
                f"report {report_id} was withdrawn at position {row.retraction_position}; "
                f"there is nothing to {verb}"
            )
        decided = review.decided_at_head(connection, report_id)
        if review.requeued(connection, report_id):
            decided = None  # the extractor reads it otherwise now: a person decides again
        if decided is not None and verb == "confirm":
            if decided.state is ReviewState.CONFIRMED:
                raise AlreadyDecided(
                    f"report {report_id} was confirmed by {decided.by} at position "
                    f"{decided.position}"
                )
            raise AlreadyDecided(
                f"report {report_id} was typed by {decided.by}, not extracted: "
                "there is no reading to confirm"
            )
        version = stream_version(connection, figure_stream(row.subject, row.metric))
        return row, version, review.reading_at(connection, row.position)


def _append(
    archive: Archive, event: ReportConfirmed | ReportCorrected, version: int, actor: str, via: str
) -> RecordedEvent:
    metadata = {"actor": actor, "via": via}
    pending = PendingEvent(event, expected_version=version, metadata=metadata)
    return archive.events.append([pending]).appended[0]


# --- each report's review in a window ------------------------------------------------------


def reviewed(archive: Archive, views: list[ReportView], window: Window) -> list[ReportView]:
    """The views with their reviews as they stood in `window`."""
    return review.with_reviews(archive.engine, views, window)


def reviewed_page(archive: Archive, page: FigurePage, window: Window) -> FigurePage:
    """A figure's answer, every report in it (current, revisions, page) with its review."""
    shown = [*([page.current] if page.current else []), *page.revisions, *page.reports]
    by_id = {v.report_id: v for v in reviewed(archive, shown, window)}
    return replace(
        page,
        current=by_id[page.current.report_id] if page.current else None,
        revisions=[by_id[r.report_id] for r in page.revisions],
        reports=[by_id[r.report_id] for r in page.reports],
    )


def reviewed_view(archive: Archive, view: FigureView, window: Window) -> FigureView:
    """A figure's whole timeline with each report's review."""
    by_id = {v.report_id: v for v in reviewed(archive, view.reports, window)}
    return replace(
        view,
        current=by_id[view.current.report_id] if view.current else None,
        revisions=[by_id[r.report_id] for r in view.revisions],
        reports=[by_id[r.report_id] for r in view.reports],
    )


def reviewed_stream(
    archive: Archive, views: Iterable[ReportView], window: Window, chunk: int = 500
) -> Iterator[ReportView]:
    """Streamed reports with their reviews, read a chunk at a time."""
    batch: list[ReportView] = []
    for view in views:
        batch.append(view)
        if len(batch) >= chunk:
            yield from reviewed(archive, batch, window)
            batch = []
    yield from reviewed(archive, batch, window)


def queue_items(archive: Archive, page: ReviewQueue) -> list[ReviewItem]:
    """The queue's readings in the shape the CLI and the API print, each with the memento of
    the article it was read from (an http(s) capture only)."""
    copies = archived_copies(archive, page.items)
    items = []
    for view in page.items:
        copy = copies.get(view.report_id)
        href = None
        if copy is not None and web_link(copy.url) is not None:
            href = f"/memento/{copy.captured_at:%Y%m%d%H%M%S}/{copy.url}"
        items.append(ReviewItem.of_item(view, href, page.notes.get(view.report_id)))
    return items


# --- the pages' sessions -----------------------------------------------------------------------


def start_session(archive: Archive, token: str) -> str:
    """Sign a reviewer in with an API token; returns the session secret for the cookie."""
    info = authenticate(archive, token)
    return review.open_session(archive.engine, info.token_id)


def session_of(archive: Archive, secret: str) -> tuple[TokenInfo, str] | None:
    """The session's token (checked afresh: AuthError once revoked) and CSRF secret."""
    found = review.session(archive.engine, secret)
    if found is None:
        return None
    token_id, csrf = found
    return token_by_id(archive.engine, token_id), csrf


def end_session(archive: Archive, secret: str) -> None:
    review.close_session(archive.engine, secret)


# --- a figure the extractor missed ----------------------------------------------------------


@dataclass(frozen=True)
class Missed:
    """A reading a person adds to a captured article: its sentence, as the article has it."""

    sentence: str
    metric: str
    value: int | None
    qualifier: str
    low: int | None = None
    high: int | None = None
    status: str = "reported"
    unit: str | None = None
    subset_of: str | None = None


def add_report(
    archive: Archive, document_id: str, missed: Missed, actor: str, *, via: str = "http"
) -> RecordedEvent:
    """Append the FigureReported the extractor missed, read from the document's latest
    version: its sentence must be there word for word; its time and source are the article's.
    It shows as `entered` by `actor`."""
    document = review.latest_document(archive.engine, document_id)
    if document is None:
        raise UnknownDocument(f"no captured document {document_id!r}")
    sentence = missed.sentence.strip()
    if not sentence or sentence not in document["text"]:
        raise InvalidReport(
            f"the sentence is not in document {document_id} (version {document['version']}): "
            "copy it from the article as captured"
        )
    qualifier = Qualifier.parse(missed.qualifier)
    bounds = interval(qualifier, missed.value, missed.low, missed.high)
    published = document["published_at"]
    event = FigureReported(
        report_id=str(uuid.uuid4()),
        subject=document["subject"],
        metric=validate_metric(missed.metric),
        value=bounds.value,
        low=bounds.low,
        high=bounds.high,
        qualifier=qualifier,
        approximate=bounds.approximate,
        unit=missed.unit,
        status=ReportStatus.parse(missed.status),
        subset_of=missed.subset_of or None,
        quote=sentence,
        reported_at=published or document["captured_at"],
        reported_at_basis="published" if published else "captured",
        source=Source(
            url=document["url"],
            title=document["title"],
            publisher=document["publisher"],
            document_id=document_id,
        ),
    )
    pending = PendingEvent(event, metadata={"actor": actor, "via": via})
    return archive.events.append([pending]).appended[0]
