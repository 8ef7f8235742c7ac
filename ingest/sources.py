"""Ingest a feed from a file or a URL by hand (`recount ingest`); the scheduler uses feeds.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from domain.addresses import IPNetwork
from domain.errors import InvalidInput
from domain.subjects import validate_subject
from ingest.articles import parse_feed
from ingest.capture import CaptureResult, capture_articles
from ingest.fetch import Fetcher
from store.archive import Archive

DEMO_FEED = Path(__file__).parent / "demo" / "kazakhstan-unrest-2022.atom"
DEMO_SUBJECT = "kazakhstan-unrest-2022"


def read_source(source: str, opened: tuple[IPNetwork, ...]) -> tuple[bytes, str | None]:
    """The feed's bytes and, for a URL, the URL that relative links resolve against."""
    if source.startswith(("http://", "https://")):
        result = Fetcher(opened=opened).fetch(source)
        return result.content or b"", result.url
    try:
        return Path(source).read_bytes(), None
    except OSError as error:
        raise InvalidInput(f"cannot read {source}: {error.strerror or error}") from None


def ingest_source(
    archive: Archive,
    source: str,
    subject: str,
    *,
    on_total: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> CaptureResult:
    validate_subject(subject)
    content, base_url = read_source(source, archive.settings.private_networks)
    feed = parse_feed(content, base_url)
    if not feed.articles and feed.problem:
        raise InvalidInput(f"{source} is not a usable feed: {feed.problem}")
    if on_total is not None:
        on_total(len(feed.articles))
    captured_at = archive.events.clock()
    return capture_articles(archive, subject, feed.articles, captured_at, progress=progress)
