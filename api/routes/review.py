"""The review desk over HTTP: the queue, and a report's confirmation and correction.

Rejecting a reading is its retraction (`POST /v1/reports/{id}/retraction`). Decisions need a
bearer token: an editor's for any report, a writer's for those it entered itself. `If-Match:
"N"` appends only if the figure's stream is still at version N (409 otherwise).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query

from api import errors
from api.deps import ArchiveDep, RequireToken
from api.routes.reports import expected_version
from api.schemas import CorrectionIn, EventOut, MissedIn, ReviewQueueOut
from domain.errors import (
    AlreadyDecided,
    AlreadyRetracted,
    Forbidden,
    InvalidInput,
    StreamConflict,
    Unauthorized,
    UnknownDocument,
    UnknownReport,
)
from domain.review import Change
from services.review import (
    QUEUE_MAX,
    Missed,
    add_report,
    confirm_report,
    correct_report,
    queue_items,
    review_queue,
)

router = APIRouter(prefix="/v1", tags=["review"])
IfMatch = Annotated[
    str,
    Header(
        max_length=40,
        pattern=r'^(\*|(W/)?"[0-9]{1,9}"|[0-9]{1,9})$',
        description='the figure stream version, e.g. "3"; `*` (the default): no check',
    ),
]
DECISION_ERRORS = (
    InvalidInput,
    Unauthorized,
    Forbidden,
    UnknownReport,
    AlreadyRetracted,
    AlreadyDecided,
    StreamConflict,
)


@router.get("/review", responses=errors.documented(InvalidInput))
def get_review(
    archive: ArchiveDep,
    subject: Annotated[
        str | None, Query(max_length=200, description="one subject only; empty: all")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=QUEUE_MAX, description="items in a page")] = 20,
    after: Annotated[
        str | None, Query(max_length=200, description="a `next` cursor: the page after it")
    ] = None,
) -> ReviewQueueOut:
    """Readings no one has decided on yet, the least sure first, each with its sentence, where
    its number stands there, its source and the archived copy."""
    page = review_queue(archive, subject or None, limit, after or None)
    return ReviewQueueOut(
        items=queue_items(archive, page),
        waiting=page.waiting,
        next=page.next.encode() if page.next else None,
    )


@router.post(
    "/reports/{report_id}/confirmation",
    status_code=errors.CREATED,
    responses=errors.documented(*DECISION_ERRORS),
)
def post_confirmation(
    report_id: str, archive: ArchiveDep, token: RequireToken, if_match: IfMatch = "*"
) -> EventOut:
    """Confirm a reading as right; answers with the ReportConfirmed event."""
    event = confirm_report(
        archive,
        report_id,
        token.name,
        any_report=token.is_editor,
        expected_version=expected_version(if_match),
    )
    return EventOut.of(event)


@router.post(
    "/reports/{report_id}/correction",
    status_code=errors.CREATED,
    responses=errors.documented(*DECISION_ERRORS, body=True),
)
def post_correction(
    report_id: str,
    body: CorrectionIn,
    archive: ArchiveDep,
    token: RequireToken,
    if_match: IfMatch = "*",
) -> EventOut:
    """Correct a reading: the corrected one takes its place from this log position on, and
    both stay in the history, each naming the other; answers with the ReportCorrected event."""
    change = Change(
        body.value, body.low, body.high, body.qualifier, body.metric, body.status, body.subset_of
    )
    event = correct_report(
        archive,
        report_id,
        change,
        body.reason,
        token.name,
        any_report=token.is_editor,
        expected_version=expected_version(if_match),
    )
    return EventOut.of(event)


@router.post(
    "/documents/{document_id}/reports",
    status_code=errors.CREATED,
    responses=errors.documented(InvalidInput, Unauthorized, Forbidden, UnknownDocument, body=True),
)
def post_missed_report(
    document_id: str, body: MissedIn, archive: ArchiveDep, token: RequireToken
) -> EventOut:
    """Add a figure the extractor missed in a captured article: its sentence (word for word
    as captured), the reading; its time and source are the article's. Answers with the
    FigureReported event; the report's review is `entered` by the token."""
    missed = Missed(
        body.sentence,
        body.metric,
        body.value,
        body.qualifier,
        body.low,
        body.high,
        body.status,
        body.unit,
        body.subset_of,
    )
    return EventOut.of(add_report(archive, document_id, missed, token.name))
