"""The URL guard: a feed URL must mean one thing, and reach only the networks it may reach.

Two questions, asked at registration and again before every request (the first URL and every
redirect hop):

- Is the URL well formed, read the same way by every parser? Numeric host shorthands that
  `inet_aton` accepts (`0177.0.0.1`, `127.1`, `2130706433`, `0x7f.1`), out-of-range octets,
  ports and brackets are refused as InvalidFeedURL (a 422, one line on the CLI), not left to
  a resolver that reads them its own way.
- Where does it go? Every address the host resolves to must be public (domain/addresses.py,
  embedded IPv4 included) or inside a network the operator opened. Once a chain of redirects
  started at a public address, every later hop must be public too: a public feed cannot lead
  a worker into the networks opened for local feeds.
"""

from __future__ import annotations

import ipaddress
import re
import socket

import httpx

from domain.addresses import (
    NAMED_NETWORKS,
    IPNetwork,
    embedded_ipv4,
    is_opened,
    is_public_address,
)
from domain.errors import FetchFailed, InvalidFeedURL, UnsafeURL
from domain.urls import redact_url

__all__ = ["MAX_URL_LENGTH", "check_url", "parse_feed_url", "resolve"]

MAX_URL_LENGTH = 2048
NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)
NAME_LABEL = re.compile(r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?", re.IGNORECASE)


def parse_feed_url(url: str) -> httpx.URL:
    """The URL as the fetcher will request it, or InvalidFeedURL saying what is wrong."""
    shown = redact_url(url)
    if len(url) > MAX_URL_LENGTH:
        raise InvalidFeedURL(f"a feed URL has at most {MAX_URL_LENGTH} characters")
    if any(char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        raise InvalidFeedURL(f"not a feed URL: {shown!r} (spaces or control characters)")
    if "\\" in url:
        raise InvalidFeedURL(f"not a feed URL: {shown!r} (a backslash is read as / by some)")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError, UnicodeError) as exc:
        raise InvalidFeedURL(f"not a feed URL: {shown!r} ({redact_url(str(exc))})") from None
    if parsed.scheme not in ("http", "https") or not parsed.raw_host:
        raise InvalidFeedURL(f"not a feed URL: {shown!r} (an http or https URL with a host)")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise InvalidFeedURL(f"not a feed URL: {shown!r} (port {parsed.port} is out of range)")
    _check_host(parsed.raw_host.decode("ascii"), shown)
    return parsed


def _check_host(host: str, shown: str) -> None:
    if "%" in host:
        raise InvalidFeedURL(f"not a feed URL: {shown!r} (no %-escapes or zone ids in a host)")
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise InvalidFeedURL(f"not a feed URL: {shown!r} (a bad IPv6 address)") from None
        return
    labels = host.removesuffix(".").split(".")
    if NUMERIC_LABEL.fullmatch(labels[-1]):
        try:
            ipaddress.IPv4Address(host.removesuffix("."))
        except ValueError:
            raise InvalidFeedURL(
                f"not a feed URL: {shown!r} (an IPv4 address is four numbers 0-255 "
                "without leading zeros, such as 93.184.216.34)"
            ) from None
        return
    if not all(NAME_LABEL.fullmatch(label) for label in labels):
        raise InvalidFeedURL(f"not a feed URL: {shown!r} (not a host name)")


def resolve(url: httpx.URL) -> list[str]:
    """Every address the URL's host resolves to; FetchFailed (worth retrying) if none."""
    host = url.raw_host.decode("ascii")
    try:
        infos = socket.getaddrinfo(host, url.port or 0, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchFailed(f"could not resolve {host}: {exc}") from exc
    return [str(info[4][0]).split("%", 1)[0] for info in infos]  # drop a scope id


def opening(ip: str) -> str:
    """The word (or CIDR) RECOUNT_ALLOW_PRIVATE_FEEDS takes to open the network of `ip`: a
    named network if one holds it (judged by the IPv4 it embeds), else the address as a CIDR."""
    address = ipaddress.ip_address(ip)
    for candidate in (*embedded_ipv4(address), address):
        for name, networks in NAMED_NETWORKS.items():
            if any(candidate in ipaddress.ip_network(network) for network in networks):
                return name
    return str(ipaddress.ip_network(address))


def check_url(
    url: str | httpx.URL, opened: tuple[IPNetwork, ...] = (), *, public_only: bool = False
) -> bool:
    """Refuse (UnsafeURL) a URL that may reach an address neither public nor opened.

    One bad address is enough: the client may connect to any of them. Returns whether every
    address is public, so a redirect chain knows it started outside. `public_only` (a hop
    after a public one) refuses even opened networks.
    """
    parsed = parse_feed_url(url) if isinstance(url, str) else url
    if parsed.scheme not in ("http", "https") or not parsed.raw_host:
        shown = redact_url(str(parsed))
        raise UnsafeURL(f"only http and https URLs with a host can be polled, not {shown}")
    public = True
    for address in resolve(parsed):
        if is_public_address(address):
            continue
        public = False
        if public_only:
            raise UnsafeURL(
                f"{parsed.host} resolves to non-public address {address}, reached by a "
                "redirect from a public address; refused"
            )
        if not is_opened(address, opened):
            raise UnsafeURL(
                f"{parsed.host} resolves to non-public address {address}; refused "
                f"(RECOUNT_ALLOW_PRIVATE_FEEDS={opening(address)} would allow it)"
            )
    return public
