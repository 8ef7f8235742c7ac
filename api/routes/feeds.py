"""Feeds over HTTP: list and read their state openly; add and remove with a token.

The JSON of a feed is `Feed.to_json()`, the very object `recount feeds list --json` prints, so
the two interfaces cannot drift; `FeedOut` only describes it for the OpenAPI document. Adding
and removing append FeedAdded and FeedRemoved with the token's name as the actor. Credentials
(the URL's `user:password@`, `headers` such as an API key) are stored apart and never served.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api import errors
from api.deps import ArchiveDep, RequireToken
from domain.errors import Conflict, FeedError, Forbidden, InvalidInput, Unauthorized, UnknownFeed
from domain.subjects import SLUG
from services.feeds import get_feed, list_feeds, register_feed, remove_feed

router = APIRouter(prefix="/v1", tags=["feeds"], responses=errors.documented(InvalidInput))
WRITE = errors.documented(Unauthorized, Forbidden)


class FeedIn(BaseModel):
    model_config = ConfigDict(strict=True)

    url: str = Field(
        max_length=2048,
        description="the RSS or Atom feed's http(s) URL; `user:password@` is kept apart",
    )
    subject: str | None = Field(
        None,
        description="the subject slug its articles are about; absent or null: a general "
        "feed, each entry routed to the subjects whose rules it meets",
        json_schema_extra={"pattern": f"^{SLUG.pattern}$"},
    )
    every: str = Field("15m", description="poll interval: 30s, 15m, 1h, 1d")
    headers: dict[str, str] = Field(
        default_factory=dict,
        max_length=20,
        description="headers sent with each poll (an API key): stored encrypted, never served",
    )


class FeedOut(BaseModel):
    """A feed's configuration and polling state."""

    id: str
    url: str = Field(description="without credentials")
    has_credentials: bool = Field(description="credentials are stored apart for this feed")
    subject: str | None = Field(description="null: a general feed, routed by the rules")
    every: str
    interval_seconds: int
    status: str = Field(description="active, paused or removed")
    added_at: datetime
    etag: str | None
    last_modified: str | None
    last_polled_at: datetime | None
    last_status: str | None = Field(description="ok, malformed, not_modified or failed")
    last_http_status: int | None
    last_error: str | None
    last_new: int
    last_changed: int
    last_unchanged: int
    last_reports: int
    failures: int = Field(description="consecutive failed polls")
    next_poll_at: datetime | None = Field(description="null: due now")
    last_truncated: int = Field(description="entries whose text was cut to the per-entry cap")
    last_deferred: int = Field(description="entries the last poll left for the next one")
    last_cut: str | None = Field(description="what the last poll had to cut, in words")


@router.get("/feeds", response_model=list[FeedOut])
def feeds(archive: ArchiveDep) -> list[dict[str, Any]]:
    return [feed.to_json() for feed in list_feeds(archive)]


@router.post(
    "/feeds",
    status_code=errors.CREATED,
    response_model=FeedOut,
    responses=WRITE | errors.documented(FeedError, Conflict, body=True),
)
def add(body: FeedIn, archive: ArchiveDep, token: RequireToken) -> dict[str, Any]:
    headers = list(body.headers.items())
    feed = register_feed(
        archive, body.url, body.subject, body.every, headers=headers, actor=token.name, via="http"
    )
    return feed.to_json()


@router.get("/feeds/{feed_id}", response_model=FeedOut, responses=errors.documented(UnknownFeed))
def feed(feed_id: str, archive: ArchiveDep) -> dict[str, Any]:
    return get_feed(archive, feed_id).to_json()


@router.delete(
    "/feeds/{feed_id}", response_model=FeedOut, responses=WRITE | errors.documented(UnknownFeed)
)
def remove(feed_id: str, archive: ArchiveDep, token: RequireToken) -> dict[str, Any]:
    return remove_feed(archive, feed_id, actor=token.name, via="http").to_json()
