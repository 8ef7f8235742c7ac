"""How a source is named to a reader: the same name in the pages, the feeds and the tables."""

from __future__ import annotations

from urllib.parse import urlsplit

from domain.events import Source


def source_name(source: Source) -> str:
    """Its publisher, else its URL's host, else a plain word."""
    if source.publisher:
        return source.publisher
    host = urlsplit(source.url or "").hostname
    return host or "unnamed source"
