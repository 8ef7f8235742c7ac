"""Dependencies of the routes, as Annotated aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.positions import DIGITS
from api.schemas import OptionalTimeText
from domain.figures import Window
from domain.subjects import SLUG
from domain.times import optional_time
from services.archive import Archive
from services.log import HeadWatch
from services.replica import Reads
from services.reports import METRIC
from services.tokens import TokenInfo, Writer, admit_writer, authenticate_watched

# The dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in its
# thread pool, a hand-off to another thread and back per dependency per request.


async def get_archive(request: Request) -> Archive:
    archive: Archive = request.app.state.archive
    return archive


ArchiveDep = Annotated[Archive, Depends(get_archive)]


async def read_archive(
    request: Request,
    recount_position: Annotated[
        str,
        Header(
            pattern=f"^[0-9]{{1,{DIGITS}}}$",
            description="the `Recount-Position` a write answered with: read a state that holds it",
        ),
    ] = "",
) -> Archive:
    """The archive a read is answered from: the read replica when it holds every position the
    request names (`at_position`, `Recount-Position`), after a bounded wait, else the primary.

    Only that wait blocks, so only then does the choice go to the thread pool."""
    pinned = request.query_params.get("at_position", "")
    # The route itself refuses a bad `at_position`; the header's pattern is checked above.
    named = [int(n) for n in (recount_position, pinned) if n.isdigit() and len(n) <= DIGITS]
    position = max(named, default=None)
    reads: Reads = request.app.state.reads
    if reads.replica is None or position is None:  # nothing to wait for
        return reads.at_least(position)
    return await run_in_threadpool(reads.at_least, position)


ReadArchive = Annotated[Archive, Depends(read_archive)]


# The names' rules, documented so that a client knows them; the domain checks them, one message.
SubjectPath = Annotated[
    str,
    Path(
        description="a subject slug, e.g. kazakhstan-unrest-2022",
        json_schema_extra={"pattern": f"^{SLUG.pattern}$"},
    ),
]
MetricPath = Annotated[
    str,
    Path(description="a metric, e.g. deaths", json_schema_extra={"pattern": f"^{METRIC.pattern}$"}),
]

AsOfText = Annotated[OptionalTimeText | None, Query(description="only reports published by then")]
KnownAtText = Annotated[OptionalTimeText | None, Query(description="what Recount knew then")]
AtPosition = Annotated[int | None, Query(ge=0, description="the state after this log position")]


async def window_query(
    at_position: AtPosition = None, as_of: AsOfText = None, known_at: KnownAtText = None
) -> Window:
    """The three axes of a question, one value (pinned to a log position by the service).

    One dependency with its three parameters (each one more costs a request its resolving)."""
    return Window(
        as_of=optional_time(as_of), known_at=optional_time(known_at), at_position=at_position
    )


WindowQuery = Annotated[Window, Depends(window_query)]
ReportsAfter = Annotated[
    str | None,
    Query(max_length=200, description="a `reports_next` cursor: the page of reports after it"),
]
ReportsLimit = Annotated[int, Query(ge=1, le=500, description="reports in a page")]
RevisionsLimit = Annotated[
    int, Query(ge=0, le=500, description="how many of the latest revisions to include")
]


_bearer = HTTPBearer(auto_error=False, description="a token from `recount tokens create NAME`")


async def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> TokenInfo:
    """Checked against the database on every request, so a revoke takes effect at once: one
    indexed read on the app's own reader (`services.log.head_watch`), awaited by the event loop
    on PostgreSQL: no thread, no pooled connection."""
    watch: HeadWatch = request.app.state.watch
    return await authenticate_watched(watch, credentials.credentials if credentials else None)


RequireToken = Annotated[TokenInfo, Depends(require_token)]


async def require_writer(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Writer:
    """`require_token`, with how far the subjects' renames and merges go now read in the same
    round trip, so a report resolves its subject from the links kept since the last change."""
    watch: HeadWatch = request.app.state.watch
    return await admit_writer(watch, credentials.credentials if credentials else None)


RequireWriter = Annotated[Writer, Depends(require_writer)]
