"""Fetch one feed over HTTP, politely and defensively.

Recount polls feeds for months, so a fetch must be cheap when nothing changed (conditional GET),
bounded when a server misbehaves (size cap, overall deadline, hand-followed redirects) and unable
to reach into our own network (the private-address guard). Every failure becomes a FeedError so
the scheduler can record it on the feed and back off; no httpx exception escapes.
"""

from __future__ import annotations

import base64
import email.utils
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType

import httpx

from domain.addresses import IPNetwork, is_public_address, parse_networks
from domain.errors import BodyTooLarge, FetchFailed, InvalidFeedURL, UnsafeURL
from domain.feeds import FeedCredentials
from domain.urls import redact_url
from ingest.guard import check_url, parse_feed_url

__all__ = ["FetchResult", "Fetcher", "backoff", "check_url", "is_public_address", "shown"]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_AFTER_STATUSES = frozenset({429, 503})
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)


def _default_user_agent() -> str:
    try:
        ver = version("recount")
    except PackageNotFoundError:
        ver = "dev"
    return f"Recount/{ver} (+feed archive; polls with conditional GET)"


DEFAULT_USER_AGENT = _default_user_agent()


@dataclass(frozen=True)
class FetchResult:
    """What one successful poll got: a new body (200) or "unchanged" (304, content None)."""

    status: int
    content: bytes | None
    url: str
    etag: str | None
    last_modified: str | None
    content_type: str | None
    elapsed: float


def _parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def backoff(failures: int, retry_after: float | None, base: float, cap: float) -> float:
    """Seconds to wait before polling again after `failures` consecutive failures.

    The server's Retry-After wins when given (it knows its load), but never beyond `cap` so a
    hostile value cannot park a feed for a year. Otherwise exponential: base, 2*base, 4*base...
    """
    if retry_after is not None:
        return min(max(retry_after, 0.0), cap)
    if failures <= 0:
        return 0.0
    return min(base * 2.0 ** min(failures - 1, 64), cap)


def shown(url: str | httpx.URL) -> str:
    """A URL as a message or a log line may show it: without userinfo."""
    return redact_url(str(url))


def _basic(credentials: FeedCredentials) -> str:
    pair = f"{credentials.username or ''}:{credentials.password or ''}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


class Fetcher:
    """Polls feed URLs. Reuse one per worker: it keeps a connection pool.

    The URL guard (ingest/guard.py) resolves the host and checks every address before each
    request (the first URL and every redirect hop) against the public internet and the networks
    the operator opened (`opened`; `allow_private=True` opens all, for tests). Credentials go
    only to the origin they were registered for, never along a redirect to another host.

    It does not close DNS rebinding: httpx resolves the name again when it connects, and a
    hostile DNS server may answer differently the second time. A custom transport that connects
    to the IP we checked would close that gap; the guard as it is stops configuration mistakes
    and redirects into our network.
    """

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        allow_private: bool = False,
        opened: Sequence[IPNetwork] = (),
        max_bytes: int = 10 * 2**20,
        timeout: float = 20.0,
        max_redirects: int = 5,
        user_agent: str = DEFAULT_USER_AGENT,
    ) -> None:
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client()
        networks = parse_networks("1") if allow_private else ()  # "1": every network
        self.opened: tuple[IPNetwork, ...] = tuple(opened) + networks
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.user_agent = user_agent

    def close(self) -> None:
        """Close the connection pool, if we opened it."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def fetch(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        credentials: FeedCredentials | None = None,
    ) -> FetchResult:
        """GET `url`, sending the validators from the last poll; raise a FeedError on failure."""
        started = time.monotonic()
        headers = {
            "User-Agent": self.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        }
        if etag is not None:
            headers["If-None-Match"] = etag
        if last_modified is not None:
            headers["If-Modified-Since"] = last_modified
        try:
            current = parse_feed_url(url)
        except InvalidFeedURL as exc:
            raise UnsafeURL(str(exc)) from None
        origin = _origin(current)
        seen: set[str] = set()
        public_chain = False
        while True:
            public_chain = self._guard(current, public_chain) or public_chain
            seen.add(str(current))
            sent = headers
            if credentials and _origin(current) == origin:
                sent = {**headers, **dict(credentials.headers)}
                if credentials.username is not None or credentials.password is not None:
                    sent["Authorization"] = _basic(credentials)
            try:
                with self._client.stream(
                    "GET", current, headers=sent, timeout=self.timeout, follow_redirects=False
                ) as response:
                    if response.status_code in REDIRECT_STATUSES:
                        current = self._next_hop(response, seen)
                        continue
                    content = self._read(response, started)
            except httpx.TimeoutException:
                raise FetchFailed(f"{shown(current)}: timed out after {self.timeout:g} s") from None
            except httpx.HTTPError as exc:
                detail = f"{type(exc).__name__}: {shown(str(exc))}"
                raise FetchFailed(f"{shown(current)}: {detail}") from None
            except httpx.InvalidURL as exc:
                raise FetchFailed(f"{shown(current)}: invalid URL: {shown(str(exc))}") from None
            return FetchResult(
                status=response.status_code,
                content=content,
                url=shown(current),
                etag=response.headers.get("ETag", etag),
                last_modified=response.headers.get("Last-Modified", last_modified),
                content_type=response.headers.get("Content-Type"),
                elapsed=time.monotonic() - started,
            )

    def _guard(self, url: httpx.URL, public_chain: bool) -> bool:
        """Check a hop; True if it is public (then every later hop must be public too)."""
        return check_url(url, self.opened, public_only=public_chain)

    def _next_hop(self, response: httpx.Response, seen: set[str]) -> httpx.URL:
        """The redirect target, or FetchFailed on a loop, too many hops or no Location."""
        location = response.headers.get("Location")
        if not location:
            raise FetchFailed(
                f"{shown(response.url)}: HTTP {response.status_code} redirect without a Location",
                status=response.status_code,
            )
        try:
            target = parse_feed_url(str(response.url.join(location)))
        except (InvalidFeedURL, httpx.InvalidURL) as exc:
            raise UnsafeURL(f"{shown(response.url)} redirects to a bad URL: {exc}") from None
        if str(target) in seen:
            raise FetchFailed(
                f"too many redirects: {shown(target)} redirects back to itself (a loop)"
            )
        if len(seen) > self.max_redirects:
            raise FetchFailed(
                f"too many redirects: more than {self.max_redirects} from {shown(target)}"
            )
        return target

    def _read(self, response: httpx.Response, started: float) -> bytes | None:
        """Check the status, then read at most max_bytes of the decoded body."""
        status = response.status_code
        if status == 304:
            return None
        if status != 200:
            retry_after = None
            if status in RETRY_AFTER_STATUSES:
                retry_after = _parse_retry_after(response.headers.get("Retry-After"))
            raise FetchFailed(
                f"{shown(response.url)}: HTTP {status} {response.reason_phrase}".rstrip(),
                status=status,
                retry_after=retry_after,
            )
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise BodyTooLarge(
                f"{shown(response.url)}: Content-Length {declared} exceeds the cap of "
                f"{self.max_bytes} bytes"
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise BodyTooLarge(
                    f"{shown(response.url)}: body exceeds the cap of {self.max_bytes} bytes"
                )
            # httpx's timeout is per read; this bounds a server that trickles bytes forever.
            if time.monotonic() - started > self.timeout:
                raise FetchFailed(f"{shown(response.url)}: timed out after {self.timeout:g} s")
            chunks.append(chunk)
        return b"".join(chunks)
