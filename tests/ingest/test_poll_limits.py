"""What one entry and one poll may bring: a huge entry is kept cut, a long feed is taken over
several polls, and the feed records both, with nothing lost and nothing doubled."""

from __future__ import annotations

from collections.abc import Iterator
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import func, select

from domain.feeds import Feed
from ingest.articles import MAX_ENTRY_TEXT
from ingest.capture import MAX_QUOTE, bounded_quote
from ingest.fetch import Fetcher
from ingest.poll import CONTINUE_AFTER
from services.archive import Archive
from services.feeds import get_feed, register_feed
from services.poll import poll_feed
from store.tables import documents, events, reports
from tests.ingest.feedserver import START, FeedServer, Reply, atom, entries, running_server
from tests.ingest.test_poll import ATOM, SUBJECT, Clock, count

ETAG = '"all"'


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with running_server() as srv:
        yield srv


@pytest.fixture
def feed(archive: Archive, server: FeedServer) -> Feed:
    return register_feed(archive, server.url("/world.atom"), SUBJECT, "15m")


@pytest.fixture
def clock() -> Clock:
    return Clock()


def conditional(body: bytes):
    """A route honouring If-None-Match, as a real feed server does."""

    def route(handler) -> Reply:
        if handler.headers.get("If-None-Match") == ETAG:
            return Reply(304, b"", {"ETag": ETAG})
        return Reply(200, body, {**ATOM, "ETag": ETAG})

    return route


def huge_entry_feed(size: int) -> bytes:
    words = "The crowd gathered near the square and waited " * (size // 47)
    text = f"At least 160 people have died in the protests, officials said {words}"
    entry = (
        "<entry><id>https://news.example.org/story/huge</id><title>Huge</title>"
        '<link href="https://news.example.org/story/huge"/>'
        f"<updated>{START.isoformat()}</updated><summary>{escape(text)}</summary></entry>"
    )
    small = atom(entries(2)).decode()
    return small.replace("</feed>", entry + "</feed>").encode()


def test_a_5_mb_entry_is_captured_cut_and_the_cut_is_recorded(archive, server, feed, clock):
    server.routes["/world.atom"] = conditional(huge_entry_feed(5 * 2**20))
    with Fetcher(allow_private=True, timeout=30.0) as fetcher:
        result = poll_feed(archive, get_feed(archive, feed.feed_id), fetcher, clock)
    assert (result.status, result.new, result.truncated) == ("ok", 3, 1)

    with archive.engine.connect() as connection:
        lengths = connection.execute(select(func.length(documents.c.text))).scalars().all()
        quotes = connection.execute(select(func.max(func.length(reports.c.quote)))).scalar()
    assert max(lengths) == MAX_ENTRY_TEXT
    assert quotes is not None and quotes <= MAX_QUOTE
    state = get_feed(archive, feed.feed_id).to_json()
    assert state["last_truncated"] == 1
    assert "story/huge" in state["last_cut"] and f"{MAX_ENTRY_TEXT:,}" in state["last_cut"]
    assert count(archive, reports) >= 3  # the cut entry's own figure was still found


def test_a_feed_longer_than_the_per_poll_cap_is_taken_over_several_polls(
    archive, server, feed, clock
):
    server.routes["/world.atom"] = conditional(atom(entries(25)))
    seen = []
    with Fetcher(allow_private=True, timeout=5.0) as fetcher:
        for _ in range(5):
            current = get_feed(archive, feed.feed_id)
            result = poll_feed(archive, current, fetcher, clock, max_entries=10)
            state = get_feed(archive, feed.feed_id).state
            seen.append((result.status, result.new, result.deferred, state.etag))
            if result.deferred:
                waited = (state.next_poll_at - clock()).total_seconds()
                assert 0 < waited <= CONTINUE_AFTER  # taken soon, not after the interval
                assert "left for the next poll" in (state.last_cut or "")
            clock.advance_past(state.next_poll_at)
    assert seen == [
        ("ok", 10, 15, None),  # validators kept back: the next poll gets the feed again
        ("ok", 10, 5, None),
        ("ok", 5, 0, ETAG),
        ("not_modified", 0, 0, ETAG),
        ("not_modified", 0, 0, ETAG),
    ]
    captured = select(func.count(func.distinct(documents.c.document_id)))
    with archive.engine.connect() as connection:
        assert connection.execute(captured).scalar() == 25
    assert count(archive, events, events.c.type == "DocumentCaptured") == 25
    assert count(archive, reports) == 25


def test_a_quote_longer_than_the_api_allows_is_cut_around_the_figure() -> None:
    quote = "word " * 5000 + "at least 160 people died " + "word " * 5000
    cut = bounded_quote(quote, "at least 160")
    assert len(cut) <= MAX_QUOTE and "at least 160" in cut
    assert cut.startswith("…") and cut.endswith("…")
    assert bounded_quote("at least 160 died", "at least 160") == "at least 160 died"
