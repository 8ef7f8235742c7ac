"""The log itself: a page of events with what auditors hash, and a live tail over SSE.

The tail follows positions. Appends serialize on the log head and commit in position order, so
every event with a position above the last one sent is either visible or not yet assigned: polling
`position > last` never skips one and never repeats one, however many writers append at once.
As a guard, only a gapless run after the last position sent is ever emitted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api import errors
from api.deps import ReadArchive
from api.schemas import LogEventOut
from domain.errors import InvalidInput
from domain.events import RecordedEvent
from services.archive import Archive
from services.log import read_events

router = APIRouter(prefix="/v1", tags=["log"], responses=errors.documented(InvalidInput))

POLL_SECONDS = 0.2
HEARTBEAT_SECONDS = 15.0
BATCH = 500

After = Annotated[int, Query(ge=0, le=2**62, description="start after this position")]


@router.get("/events")
def events(
    archive: ReadArchive,
    after: After = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[LogEventOut]:
    """Events in position order, each with its canonical bytes and leaf hash (base64)."""
    return [LogEventOut.of(e) for e in read_events(archive, after=after, limit=limit)]


# One Server-Sent Event as a client parses it (OpenAPI 3.1 describes a stream by its events):
# its `id` is the log position, its `data` one event of the log as GET /v1/events gives it.
# Comments (the greeting, heartbeats) and the `retry` hint carry no data and are not events.
SSE_EVENT = {
    "type": "object",
    "required": ["event", "id", "data"],
    "properties": {
        "event": {"const": "message"},
        "id": {"type": "string", "pattern": "^[1-9][0-9]*$", "description": "the log position"},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {"$ref": "#/components/schemas/LogEventOut"},
        },
        "retry": {"type": "integer", "minimum": 0},
    },
}


@router.get(
    "/events/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "the live tail, never ending: one event per log position",
            "content": {"text/event-stream": {"schema": SSE_EVENT}},
        }
    },
)
async def stream(
    request: Request,
    archive: ReadArchive,
    after: After = 0,
    last_event_id: Annotated[
        str | None, Header(max_length=20, description="resume after this position")
    ] = None,
) -> StreamingResponse:
    """Server-Sent Events: every event after `after` (or Last-Event-ID), then each new one."""
    start = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
    return StreamingResponse(
        _tail(request, archive, start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _tail(request: Request, archive: Archive, last: int) -> AsyncIterator[str]:
    yield f"retry: 1000\n: tail after position {last}\n\n"
    quiet_since = time.monotonic()
    while not await request.is_disconnected():
        batch = await run_in_threadpool(_gapless, archive, last)
        for event in batch:
            yield _frame(event)
            last = event.position
        if batch:
            quiet_since = time.monotonic()
            continue
        if time.monotonic() - quiet_since >= HEARTBEAT_SECONDS:
            yield ": heartbeat\n\n"
            quiet_since = time.monotonic()
        await asyncio.sleep(POLL_SECONDS)


def _gapless(archive: Archive, last: int) -> list[RecordedEvent]:
    """The events after `last`, cut at a gap (which the head lock should make impossible)."""
    run: list[RecordedEvent] = []
    for event in read_events(archive, after=last, limit=BATCH):
        if event.position != last + len(run) + 1:
            break
        run.append(event)
    return run


def _frame(event: RecordedEvent) -> str:
    return f"id: {event.position}\ndata: {LogEventOut.of(event).model_dump_json()}\n\n"
