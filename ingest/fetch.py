"""Fetch one feed over HTTP, politely and defensively.

Recount polls feeds for months, so a fetch must be cheap when nothing changed (conditional GET),
bounded when a server misbehaves (size cap, overall deadline, hand-followed redirects) and unable
to reach into our own network (the private-address guard). Every failure becomes a FeedError so
the scheduler can record it on the feed and back off; no httpx exception escapes.
"""

from __future__ import annotations

import email.utils
import ipaddress
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType

import httpx

from domain.errors import BodyTooLarge, FetchFailed, UnsafeURL

__all__ = ["FetchResult", "Fetcher", "backoff", "check_url", "is_public_address"]

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


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public_address(ip: str | IPAddress) -> bool:
    """True if `ip` is a globally routable unicast address, safe for us to connect to."""
    addr = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1 on a dual-stack socket
    return addr.is_global and not (
        addr.is_private
        or addr.is_loopback
        or addr.is_link_local
        or addr.is_multicast
        or addr.is_reserved
        or addr.is_unspecified
    )


def _check_scheme(url: httpx.URL) -> None:
    if url.scheme not in ("http", "https") or not url.host:
        raise UnsafeURL(f"only http and https URLs with a host can be polled, not {url}")


def check_url(url: str | httpx.URL) -> None:
    """Refuse a URL whose host resolves to ANY non-public address (UnsafeURL).

    One bad address is enough: the client may connect to any of them. A name that does not
    resolve is a FetchFailed (worth retrying), not an UnsafeURL.
    """
    parsed = httpx.URL(url) if isinstance(url, str) else url
    _check_scheme(parsed)
    host = parsed.raw_host.decode("ascii")
    try:
        infos = socket.getaddrinfo(host, parsed.port or 0, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchFailed(f"could not resolve {host}: {exc}") from exc
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 scope id ("fe80::1%eth0")
        if not is_public_address(address):
            raise UnsafeURL(
                f"{parsed.host} resolves to non-public address {address}; refused "
                f"(RECOUNT_ALLOW_PRIVATE_FEEDS={opening(address)} would allow it)"
            )


def opening(ip: str) -> str:
    """The word (or CIDR) that RECOUNT_ALLOW_PRIVATE_FEEDS takes to open the network of `ip`:
    a named network if one holds it, else the address itself as a CIDR."""
    addr = ipaddress.ip_address(ip)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    for name, networks in NAMED_NETWORKS.items():
        if any(addr in ipaddress.ip_network(network) for network in networks):
            return name
    return str(ipaddress.ip_network(addr))


NAMED_NETWORKS = {
    "loopback": ("127.0.0.0/8", "::1/128"),
    "private": ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"),
    "link-local": ("169.254.0.0/16", "fe80::/10"),
}


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


class Fetcher:
    """Polls feed URLs. Reuse one per worker: it keeps a connection pool.

    The private-address guard resolves the host and checks every address before each request
    (the first URL and every redirect hop). It does not close DNS rebinding: httpx resolves the
    name again when it connects, and a hostile DNS server may answer differently the second
    time. A custom transport that connects to the IP we checked would close that gap; the guard
    as it is stops configuration mistakes and redirects into our network.
    """

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        allow_private: bool = False,
        max_bytes: int = 10 * 2**20,
        timeout: float = 20.0,
        max_redirects: int = 5,
        user_agent: str = DEFAULT_USER_AGENT,
    ) -> None:
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client()
        self.allow_private = allow_private
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
        self, url: str, etag: str | None = None, last_modified: str | None = None
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
            current = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise UnsafeURL(f"not a valid URL: {url!r} ({exc})") from exc
        seen: set[str] = set()
        while True:
            self._guard(current)
            seen.add(str(current))
            try:
                with self._client.stream(
                    "GET", current, headers=headers, timeout=self.timeout, follow_redirects=False
                ) as response:
                    if response.status_code in REDIRECT_STATUSES:
                        current = self._next_hop(response, seen)
                        continue
                    content = self._read(response, started)
            except httpx.TimeoutException as exc:
                raise FetchFailed(f"{current}: timed out after {self.timeout:g} s") from exc
            except httpx.HTTPError as exc:
                raise FetchFailed(f"{current}: {type(exc).__name__}: {exc}") from exc
            except httpx.InvalidURL as exc:
                raise FetchFailed(f"{current}: invalid URL: {exc}") from exc
            return FetchResult(
                status=response.status_code,
                content=content,
                url=str(current),
                etag=response.headers.get("ETag", etag),
                last_modified=response.headers.get("Last-Modified", last_modified),
                content_type=response.headers.get("Content-Type"),
                elapsed=time.monotonic() - started,
            )

    def _guard(self, url: httpx.URL) -> None:
        if self.allow_private:
            _check_scheme(url)
        else:
            check_url(url)

    def _next_hop(self, response: httpx.Response, seen: set[str]) -> httpx.URL:
        """The redirect target, or FetchFailed on a loop, too many hops or no Location."""
        location = response.headers.get("Location")
        if not location:
            raise FetchFailed(
                f"{response.url}: HTTP {response.status_code} redirect without a Location",
                status=response.status_code,
            )
        target = response.url.join(location)
        if str(target) in seen:
            raise FetchFailed(f"too many redirects: {target} redirects back to itself (a loop)")
        if len(seen) > self.max_redirects:
            raise FetchFailed(f"too many redirects: more than {self.max_redirects} from {target}")
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
                f"{response.url}: HTTP {status} {response.reason_phrase}".rstrip(),
                status=status,
                retry_after=retry_after,
            )
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise BodyTooLarge(
                f"{response.url}: Content-Length {declared} exceeds the cap of "
                f"{self.max_bytes} bytes"
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise BodyTooLarge(
                    f"{response.url}: body exceeds the cap of {self.max_bytes} bytes"
                )
            # httpx's timeout is per read; this bounds a server that trickles bytes forever.
            if time.monotonic() - started > self.timeout:
                raise FetchFailed(f"{response.url}: timed out after {self.timeout:g} s")
            chunks.append(chunk)
        return b"".join(chunks)
