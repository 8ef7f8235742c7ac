"""Where `recount ingest` reads a feed from (a file or a URL), and the bundled demo feed."""

from __future__ import annotations

from pathlib import Path

from domain.addresses import IPNetwork
from domain.errors import InvalidInput
from ingest.fetch import Fetcher

DEMO_FEED = Path(__file__).parent / "demo" / "kazakhstan-unrest-2022.atom"
DEMO_SUBJECT = "kazakhstan-unrest-2022"


def read_source(source: str, opened: tuple[IPNetwork, ...]) -> tuple[bytes, str | None, str | None]:
    """The feed's bytes and, for a URL, the URL that relative links resolve against and the
    Content-Type (the worker weighs it too, so both judge a page the same way)."""
    if source.startswith(("http://", "https://")):
        with Fetcher(opened=opened) as fetcher:
            result = fetcher.fetch(source)
        return result.content or b"", result.url, result.content_type
    try:
        return Path(source).read_bytes(), None, None
    except OSError as error:
        raise InvalidInput(f"cannot read {source}: {error.strerror or error}") from None
