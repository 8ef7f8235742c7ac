"""Feeds over HTTP: list and read their state openly; add and remove with a token.

The JSON of a feed is `Feed.to_json()`, the very object `recount feeds list --json` prints, so
the two interfaces cannot drift; `FeedOut` only describes it for the OpenAPI document. Adding
and removing append FeedAdded and FeedRemoved with the token's name as the actor.
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

    url: str = Field(description="the RSS or Atom feed's http(s) URL")
    subject: str = Field(
        description="the subject slug its articles are about",
        json_schema_extra={"pattern": f"^{SLUG.pattern}$"},
    )
    every: str = Field("15m", description="poll interval: 30s, 15m, 1h, 1d")


class FeedOut(BaseModel):
    """A feed's configuration and polling state."""

    id: str
    url: str
    subject: str
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
    actor = f"token:{token.name}"
    return register_feed(archive, body.url, body.subject, body.every, actor=actor).to_json()


@router.get("/feeds/{feed_id}", response_model=FeedOut, responses=errors.documented(UnknownFeed))
def feed(feed_id: str, archive: ArchiveDep) -> dict[str, Any]:
    return get_feed(archive, feed_id).to_json()


@router.delete(
    "/feeds/{feed_id}", response_model=FeedOut, responses=WRITE | errors.documented(UnknownFeed)
)
def remove(feed_id: str, archive: ArchiveDep, token: RequireToken) -> dict[str, Any]:
    return remove_feed(archive, feed_id, actor=f"token:{token.name}").to_json()
