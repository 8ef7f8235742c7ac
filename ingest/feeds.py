"""Registering a feed from the outside (CLI, HTTP): the interval in words and the URL guard.

The guard runs at registration so an operator hears at once that a URL points into a private
network; it runs again before every fetch (and every redirect), which is what actually protects.
A host that does not resolve today is accepted: DNS may be down, and each poll reports it.
"""

from __future__ import annotations

from domain.errors import FetchFailed
from domain.feeds import parse_interval
from ingest.fetch import check_url
from store.archive import Archive
from store.feeds import Feed, add_feed


def register_feed(
    archive: Archive, url: str, subject: str, every: str, *, actor: str = "operator"
) -> Feed:
    """Add a feed polled every `every` ("15m"); refused if its host is private (unless allowed)."""
    seconds = parse_interval(every)
    check = None if archive.settings.allow_private_feeds else _public_or_unresolved
    return add_feed(archive, url, subject, seconds, url_check=check, actor=actor)


def _public_or_unresolved(url: str) -> None:
    try:
        check_url(url)
    except FetchFailed:
        pass
