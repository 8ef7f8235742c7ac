"""Registering a feed from the outside (CLI, HTTP): the interval in words and the URL guard.

The guard runs at registration so an operator hears at once that a URL is malformed or points
into a network not opened; it runs again before every fetch (and every redirect), which is what
actually protects. A host that does not resolve today is accepted: DNS may be down, and each
poll reports it. Credentials in the URL (`user:secret@`) and extra headers (an API key) are
taken apart here: the log gets the URL without them, the credential store gets them.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.addresses import IPNetwork
from domain.errors import FetchFailed
from domain.feeds import FeedCredentials, parse_header, parse_interval
from domain.urls import redact_url
from ingest.guard import check_url, parse_feed_url
from store.archive import Archive
from store.feeds import Feed, add_feed


def register_feed(
    archive: Archive,
    url: str,
    subject: str,
    every: str,
    *,
    headers: Sequence[str] = (),
    actor: str = "operator",
    via: str = "cli",
) -> Feed:
    """Add a feed polled every `every` ("15m"); refused if malformed or its host is not public
    (nor in a network opened by RECOUNT_ALLOW_PRIVATE_FEEDS). `headers` are "Name: value"."""
    seconds = parse_interval(every)
    parsed = parse_feed_url(url)
    credentials = FeedCredentials(
        parsed.username or None,
        parsed.password or None,
        tuple(parse_header(header) for header in headers),
    )
    public_url = redact_url(url)
    _public_or_unresolved(public_url, archive.settings.private_networks)
    return add_feed(
        archive, public_url, subject, seconds, credentials=credentials or None, actor=actor, via=via
    )


def _public_or_unresolved(url: str, opened: tuple[IPNetwork, ...]) -> None:
    try:
        check_url(url, opened)
    except FetchFailed:
        pass
