"""Writes: a report typed by hand, and a retraction. Both need a bearer token.

`Idempotency-Key` makes a retried POST append once and answer with the same event;
`If-Match: "N"` appends only if the figure's stream is still at version N (else 409).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request

from api import errors
from api.deps import ArchiveDep, RequireToken, RequireWriter, SubjectPath
from api.positions import wrote
from api.schemas import EventOut, ReportIn, RetractionIn
from api.threads import in_write_thread
from domain.errors import (
    AlreadyRetracted,
    Forbidden,
    IdempotencyKeyReused,
    InvalidInput,
    StreamConflict,
    Unauthorized,
    UnknownReport,
)
from domain.events import Source
from domain.times import parse_time
from services.reports import ReportInput, record_report, retract_report

router = APIRouter(
    prefix="/v1",
    tags=["reports"],
    responses=errors.documented(InvalidInput, Unauthorized, Forbidden, body=True),
)


@router.post(
    "/subjects/{subject}/reports",
    status_code=errors.CREATED,
    responses=errors.documented(StreamConflict, IdempotencyKeyReused),
)
async def post_report(
    request: Request,
    subject: SubjectPath,
    body: ReportIn,
    archive: ArchiveDep,
    writer: RequireWriter,
    idempotency_key: Annotated[
        str | None, Header(max_length=200, description="a retry with it appends nothing")
    ] = None,
    if_match: Annotated[
        str | None, Header(max_length=40, description='the figure stream version, e.g. "3"')
    ] = None,
) -> EventOut:
    """Record a report typed by hand; answers with the FigureReported event."""
    event = await in_write_thread(
        request,
        record_report,
        archive,
        subject,
        _report_input(body),
        actor=writer.token.name,
        idempotency_key=idempotency_key,
        expected_version=expected_version(if_match),
        links_at=writer.links_at,
    )
    wrote(request, event.position)
    return EventOut.of(event)


@router.post(
    "/reports/{report_id}/retraction",
    status_code=errors.CREATED,
    responses=errors.documented(UnknownReport, AlreadyRetracted, StreamConflict),
)
def post_retraction(
    request: Request, report_id: str, body: RetractionIn, archive: ArchiveDep, token: RequireToken
) -> EventOut:
    """Retract a report (it stays in the log and the history, marked); answers with the event.

    A writer token retracts only the reports it entered; an editor token any report (403 else).
    """
    retracted = retract_report(
        archive, report_id, body.reason, actor=token.name, any_report=token.is_editor
    )
    wrote(request, retracted.position)
    return EventOut.of(retracted)


def _report_input(body: ReportIn) -> ReportInput:
    return ReportInput(
        metric=body.metric,
        value=body.value,
        qualifier=body.qualifier,
        quote=body.quote,
        reported_at=parse_time(body.reported_at),
        source=Source(
            url=body.source.url, title=body.source.title, publisher=body.source.publisher
        ),
        unit=body.unit,
        low=body.low,
        high=body.high,
        status=body.status,
    )


def expected_version(if_match: str | None) -> int | None:
    """`"3"`, `W/"3"` or `3` → 3; `*` or no header → no check."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise InvalidInput(
            f'If-Match must be a figure stream version such as "3", not {if_match!r}'
        )
    return int(tag)
