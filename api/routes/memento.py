"""Memento (RFC 7089, pattern 2.1) over captured articles, in the Wayback URL style.

- TimeGate `/timegate/{original}`: 302 to the memento nearest the Accept-Datetime (the latest
  without one), `Vary: accept-datetime`, Link to the original, the TimeMap and the neighbours.
- TimeMap `/timemap/link/{original}`: application/link-format, every memento with its datetime.
- Memento `/memento/{YYYYMMDDhhmmss}/{original}`: the captured text, `Memento-Datetime` and Link;
  a stamp that is no capture's redirects to the nearest one, as web archives do.

The original URL is taken from the raw request path (percent-encoding kept) plus its query
string, so it matches the URL as it was captured. Only http(s) URLs written plainly
(domain/links.py) are served: any other capture, a `javascript:` entry id say, never becomes a
link in a Link header or a TimeMap, and asking for it is answered 404. Two captures in the
same second share a memento URL; it serves the later one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, Response

from api import errors
from api.deps import ArchiveDep
from domain.errors import InvalidAcceptDatetime, UnknownMemento
from domain.links import web_link
from services.mementos import Capture, captures, nearest

router = APIRouter(tags=["memento"], responses=errors.documented(UnknownMemento))

STAMP = "%Y%m%d%H%M%S"
LINK_FORMAT = "application/link-format"
TEXT = "text/plain; charset=utf-8"


@router.head("/timegate/{original:path}", include_in_schema=False)
@router.get(
    "/timegate/{original:path}",
    status_code=errors.FOUND,
    response_class=Response,
    responses=errors.documented(InvalidAcceptDatetime)
    | {errors.FOUND: {"description": "to the memento"}},
)
def timegate(
    request: Request,
    original: str,
    archive: ArchiveDep,
    accept_datetime: Annotated[
        str | None, Header(description="RFC 1123, e.g. Tue, 11 Jan 2022 12:00:00 GMT")
    ] = None,
) -> Response:
    """Redirect to the capture nearest Accept-Datetime (RFC 7089 §4.1, pattern 2.1)."""
    url = _original(request, "/timegate/")
    found = captures(archive, url)
    chosen = nearest(found, _accept_datetime(accept_datetime))
    headers = {
        "Location": _memento_uri(request, chosen),
        "Vary": "accept-datetime",
        "Link": _links(request, url, found, chosen),
    }
    return Response(status_code=errors.FOUND, headers=headers)


@router.head("/timemap/link/{original:path}", include_in_schema=False)
@router.get(
    "/timemap/link/{original:path}",
    response_class=Response,
    responses={200: {"content": {LINK_FORMAT: {"schema": {"type": "string"}}}}},
)
def timemap(request: Request, original: str, archive: ArchiveDep) -> Response:
    """Every capture of the URL as an RFC 6690 link list (RFC 7089 §5)."""
    url = _original(request, "/timemap/link/")
    found = captures(archive, url)
    timemap_uri = _absolute(request, "/timemap/link/", url)
    lines = [
        f'<{url}>; rel="original"',
        f'<{timemap_uri}>; rel="self"; type="{LINK_FORMAT}"; '
        f'from="{_http_date(found[0].captured_at)}"; until="{_http_date(found[-1].captured_at)}"',
        f'<{_absolute(request, "/timegate/", url)}>; rel="timegate"',
    ]
    lines += [
        f'<{_memento_uri(request, c)}>; rel="memento"; datetime="{_http_date(c.captured_at)}"'
        for c in found
    ]
    return Response(",\n".join(lines) + "\n", media_type=LINK_FORMAT)


@router.head("/memento/{stamp}/{original:path}", include_in_schema=False)
@router.get(
    "/memento/{stamp}/{original:path}",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
        errors.FOUND: {"description": "to the nearest capture"},
    },
)
def memento(
    request: Request,
    stamp: Annotated[str, Path(pattern=r"^\d{14}$", description="YYYYMMDDhhmmss, UTC")],
    original: str,
    archive: ArchiveDep,
) -> Response:
    """The text as captured at `stamp`, with its Memento-Datetime (RFC 7089 §4.1.2)."""
    url = _original(request, f"/memento/{stamp}/")
    found = captures(archive, url)
    exact = [c for c in found if _stamp(c) == stamp]
    if not exact:
        chosen = nearest(found, _parse_stamp(stamp))
        return Response(
            status_code=errors.FOUND, headers={"Location": _memento_uri(request, chosen)}
        )
    chosen = exact[-1]
    headers = {
        "Memento-Datetime": _http_date(chosen.captured_at),
        "Link": _links(request, url, found, chosen),
    }
    return Response(chosen.text, media_type=TEXT, headers=headers)


def _original(request: Request, prefix: str) -> str:
    """The original URL as the client wrote it: raw path after `prefix`, plus the query.

    UnknownMemento unless it is a web URL, so no other scheme ever reaches a Link header.
    """
    raw: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    path = raw.decode("latin-1")
    root: str = request.scope.get("root_path", "")
    start = path.index(prefix, len(root) if path.startswith(root) else 0) + len(prefix)
    query = bytes(request.scope.get("query_string", b"")).decode("latin-1")
    url = path[start:] + (f"?{query}" if query else "")
    if web_link(url) is None:
        raise UnknownMemento(f"Memento serves captures of http(s) URLs only, not {url[:200]!r}")
    return url


def _accept_datetime(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        moment = None
    if moment is None or not value.strip().endswith("GMT"):
        raise InvalidAcceptDatetime(
            f"Accept-Datetime must be an RFC 1123 date such as 'Tue, 11 Jan 2022 12:00:00 GMT', "
            f"not {value!r}"
        )
    return moment.replace(tzinfo=UTC)


def _links(request: Request, url: str, found: list[Capture], chosen: Capture) -> str:
    """Link: original, timegate, timemap, and the chosen memento with its neighbours."""
    index = found.index(chosen)
    roles: dict[int, list[str]] = {}
    for position, rel in [
        (0, "first"),
        (index - 1, "prev"),
        (index, ""),
        (index + 1, "next"),
        (len(found) - 1, "last"),
    ]:
        if 0 <= position < len(found) and (position != index or rel == ""):
            roles.setdefault(position, []).append(rel)
    links = [
        f'<{url}>; rel="original"',
        f'<{_absolute(request, "/timegate/", url)}>; rel="timegate"',
        f'<{_absolute(request, "/timemap/link/", url)}>; rel="timemap"; type="{LINK_FORMAT}"',
    ]
    for position in sorted(roles):
        capture = found[position]
        rel = " ".join([r for r in roles[position] if r] + ["memento"])
        links.append(
            f'<{_memento_uri(request, capture)}>; rel="{rel}"; '
            f'datetime="{_http_date(capture.captured_at)}"'
        )
    return ", ".join(links)


def _absolute(request: Request, prefix: str, url: str) -> str:
    return str(request.base_url).rstrip("/") + prefix + url


def _memento_uri(request: Request, capture: Capture) -> str:
    return _absolute(request, f"/memento/{_stamp(capture)}/", capture.url)


def _stamp(capture: Capture) -> str:
    return capture.captured_at.astimezone(UTC).strftime(STAMP)


def _parse_stamp(stamp: str) -> datetime:
    try:
        return datetime.strptime(stamp, STAMP).replace(tzinfo=UTC)
    except ValueError:
        raise UnknownMemento(f"not a memento time: {stamp} (YYYYMMDDhhmmss)") from None


def _http_date(moment: datetime) -> str:
    """RFC 1123 in GMT, the only form Memento allows."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)
