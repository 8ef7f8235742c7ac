"""Permalinks and conditional responses: how a view is pinned, cached and revalidated.

A view pinned to a log position (`at_position`) can never change, so its answer is immutable:
a strong ETag over its bytes and a year of caching. Any other view may change with the next
append, so its ETag names the log head it was computed at (and the request), and a client that
sends it back in `If-None-Match` gets 304 until the log grows.

Every answer names its permalink: the same view pinned at the position it was computed at. The
permalink is root-relative (no host), so its bytes do not depend on the name the server was
reached by.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import StreamingResponse

from api import errors
from domain.times import format_time

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
CSV_SUFFIX = ".csv"


def permalink(
    request: Request,
    path: str,
    as_of: datetime | None,
    position: int,
    extra: list[tuple[str, str]] | None = None,
) -> str:
    """The root-relative URL of `path` pinned at `position` (known_at is folded into it).

    `extra` carries what else names the view (a page of reports), after the window.
    """
    query: list[tuple[str, str]] = []
    if as_of is not None:
        query.append(("as_of", format_time(as_of)))
    query.append(("at_position", str(position)))
    query.extend(extra or [])
    return f"{request.scope.get('root_path', '')}{path}?{urlencode(query, safe=':')}"


def wants_csv(request: Request) -> bool:
    """CSV by suffix (`figures.csv`) or by `Accept: text/csv`."""
    if request.url.path.endswith(CSV_SUFFIX):
        return True
    accept = request.headers.get("accept", "")
    return any(part.split(";")[0].strip() == "text/csv" for part in accept.split(","))


def head_etag(request: Request, head: int) -> str:
    """An ETag for a view that may change: the log head, the path, the query and the format."""
    return _request_etag(request, "h", str(head))


def _request_etag(request: Request, kind: str, head: str) -> str:
    key = "|".join([head, request.url.path, str(request.url.query), str(wants_csv(request))])
    return f'"{kind}' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def body_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def not_modified(request: Request, etag: str) -> bool:
    """RFC 9110 If-None-Match: weak comparison, `*` matches anything."""
    header = request.headers.get("if-none-match")
    if header is None:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


def cached_response(request: Request, etag: str) -> Response | None:
    """A 304 when the client already holds `etag`, else None."""
    if not not_modified(request, etag):
        return None
    return Response(status_code=errors.NOT_MODIFIED, headers={"ETag": etag, "Vary": "Accept"})


def pinned_response(
    request: Request,
    body: bytes,
    media_type: str,
    link: str,
    etag: str | None,
) -> Response:
    """The answer with its permalink, ETag and caching; `etag` None means it is pinned."""
    pinned = etag is None
    tag = body_etag(body) if etag is None else etag
    headers = {
        "ETag": tag,
        "Cache-Control": IMMUTABLE if pinned else REVALIDATE,
        "Link": f'<{link}>; rel="canonical"',
        "Vary": "Accept",
    }
    if pinned and not_modified(request, tag):
        return Response(status_code=errors.NOT_MODIFIED, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def streamed_response(
    request: Request, chunks: Iterator[str], media_type: str, link: str, etag: str | None
) -> Response:
    """A CSV answer written as it is read; `etag` None means it is pinned.

    A pinned answer's bytes are fixed by its URL, so its strong ETag is taken over the request
    (path, query, format) rather than over a body that is not yet written.
    """
    pinned = etag is None
    tag = etag or _request_etag(request, "p", "pinned")
    headers = {
        "ETag": tag,
        "Cache-Control": IMMUTABLE if pinned else REVALIDATE,
        "Link": f'<{link}>; rel="canonical"',
        "Vary": "Accept",
    }
    if pinned and not_modified(request, tag):
        return Response(status_code=errors.NOT_MODIFIED, headers=headers)
    body = (chunk.encode() for chunk in chunks)
    return StreamingResponse(body, media_type=media_type, headers=headers)
