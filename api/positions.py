"""Read your own writes: every successful write answers with the log position it reached.

`Recount-Position: P` on a write's response is at least the position of every event that
write appended: the position of its last event, when the route names it (`wrote`: no read
more), else the primary's log head once the write was answered. A read that sends
it back (`Recount-Position: P`) is answered from a state that holds P: by the read replica once
it has applied P, else by the primary (services/replica.py). The header is set here, once, for
every write route, so a new route cannot forget it.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "Recount-Position"
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
DIGITS = 19  # a position fits in a signed 64-bit integer
WROTE = "recount_wrote_position"  # the request state's name for the position a route names


def wrote(request: Request, position: int) -> None:
    """Name the position this write reached (its last event's): the answer carries it."""
    setattr(request.state, WROTE, position)


class WritePosition:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE:
            await self.app(scope, receive, send)
            return

        async def with_position(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                position = scope.get("state", {}).get(WROTE)
                if position is None:
                    archive = scope["app"].state.archive
                    position = await run_in_threadpool(archive.events.head)
                MutableHeaders(scope=message)[HEADER] = str(position)
            await send(message)

        await self.app(scope, receive, with_position)
