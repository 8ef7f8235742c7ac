"""Polling one feed from a real loopback server: what lands in the log and on the feed's row."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler

import httpx
import pytest
from sqlalchemy import func, select

from domain.feeds import Feed
from ingest.fetch import Fetcher
from services.archive import Archive
from services.feeds import get_feed, register_feed
from services.poll import poll_feed
from store.tables import documents, events, reports
from tests.ingest.feedserver import Entry, FeedServer, Reply, atom, entries, running_server

SUBJECT = "kazakhstan-unrest-2022"
ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 11, 1, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance_past(self, moment: datetime | None) -> None:
        assert moment is not None
        self.now = max(self.now, moment) + timedelta(seconds=1)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with running_server() as srv:
        yield srv


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(allow_private=True, timeout=0.5, max_bytes=2 * 2**20) as f:
        yield f


@pytest.fixture
def clock() -> Clock:
    return Clock()


def poll(archive: Archive, feed: Feed, fetcher: Fetcher, clock: Clock):
    return poll_feed(archive, get_feed(archive, feed.feed_id), fetcher, clock)


def count(archive: Archive, table, *where) -> int:
    with archive.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table).where(*where)).scalar()


def good(items: list[Entry], etag: str = '"v1"') -> Reply:
    return Reply(200, atom(items), {**ATOM, "ETag": etag})


@pytest.fixture
def feed(archive: Archive, server: FeedServer) -> Feed:
    return register_feed(archive, server.url("/world.atom"), SUBJECT, "15m")


def test_new_feed_is_due_and_first_poll_captures_every_entry(archive, server, feed, fetcher, clock):
    server.routes["/world.atom"] = good(entries(3))
    assert get_feed(archive, feed.feed_id).is_due(clock())

    result = poll(archive, feed, fetcher, clock)

    assert (result.status, result.new, result.changed, result.unchanged) == ("ok", 3, 0, 0)
    assert result.reports == 3
    assert count(archive, documents) == 3
    state = get_feed(archive, feed.feed_id).state
    assert (state.last_status, state.last_http_status, state.etag) == ("ok", 200, '"v1"')
    assert state.failures == 0 and state.last_error is None
    assert state.last_polled_at == clock.now
    interval = timedelta(seconds=900)
    assert clock.now + interval <= state.next_poll_at <= clock.now + interval * 1.1


def test_entry_dates_become_reported_at(archive, server, feed, fetcher, clock):
    items = entries(2)
    server.routes["/world.atom"] = good(items)
    poll(archive, feed, fetcher, clock)
    with archive.engine.connect() as connection:
        rows = connection.execute(select(reports.c.reported_at, reports.c.reported_at_basis)).all()
    assert sorted(rows) == [(e.published, "published") for e in items]


def test_304_appends_nothing_and_keeps_validators(archive, server, feed, fetcher, clock):
    server.routes["/world.atom"] = good(entries(2))
    first = poll(archive, feed, fetcher, clock)
    head = archive.events.head()

    def conditional(handler: BaseHTTPRequestHandler) -> Reply:
        if handler.headers.get("If-None-Match") == '"v1"':
            return Reply(304)
        return good(entries(2))

    server.routes["/world.atom"] = conditional
    clock.advance_past(first.next_poll_at)
    result = poll(archive, feed, fetcher, clock)

    assert (result.status, result.http_status) == ("not_modified", 304)
    assert archive.events.head() == head
    state = get_feed(archive, feed.feed_id).state
    assert (state.last_status, state.etag, state.failures) == ("not_modified", '"v1"', 0)


def test_unchanged_entries_append_nothing_and_changed_entry_appends_a_version(
    archive, server, feed, fetcher, clock
):
    items = entries(3)
    server.routes["/world.atom"] = good(items, '"v1"')
    first = poll(archive, feed, fetcher, clock)
    clock.advance_past(first.next_poll_at)
    server.routes["/world.atom"] = good(items, '"v2"')  # same entries, new ETag
    again = poll(archive, feed, fetcher, clock)
    assert (again.new, again.changed, again.unchanged, again.reports) == (0, 0, 3, 0)

    revised = [items[0], Entry(1, 164, edition=2), items[2]]
    server.routes["/world.atom"] = good(revised, '"v3"')
    clock.advance_past(again.next_poll_at)
    result = poll(archive, feed, fetcher, clock)

    assert (result.new, result.changed, result.unchanged, result.reports) == (0, 1, 2, 1)
    assert count(archive, documents) == 4  # three documents, one of them in two versions
    assert count(archive, reports, reports.c.value == 164) == 1
    assert count(archive, reports, reports.c.value == 101) == 1  # the first version's report


def test_duplicate_entries_in_one_feed_are_captured_once(archive, server, feed, fetcher, clock):
    items = entries(2)
    server.routes["/world.atom"] = good(items + items)
    result = poll(archive, feed, fetcher, clock)
    assert (result.new, result.unchanged) == (2, 2)
    assert count(archive, documents) == 2


def test_recount_ingest_after_the_worker_appends_nothing(archive, server, feed, fetcher, clock):
    """The worker's batched capture keys events exactly as `capture()` does."""
    from services.capture import ingest_source

    server.routes["/world.atom"] = good(entries(4))
    poll(archive, feed, fetcher, clock)
    head = archive.events.head()
    result = ingest_source(archive, server.url("/world.atom"), SUBJECT)
    assert (result.documents, result.unchanged) == (0, 4)
    assert archive.events.head() == head


# --- faults: each leaves the state an operator expects, and loses nothing -------------------


def _huge(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/atom+xml")
    handler.end_headers()  # no Content-Length: the client must stop reading by itself
    chunk = b"<!-- padding -->" * 4096
    try:
        for _ in range(50 * 2**20 // len(chunk)):
            handler.wfile.write(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    handler.close_connection = True


def _declared_huge(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", str(50 * 2**20))
    handler.end_headers()
    try:
        handler.wfile.write(b"x" * 65536)
    except (BrokenPipeError, ConnectionResetError):
        pass
    handler.close_connection = True


FAULTS: dict[str, tuple[object, int | None, str]] = {
    "500": (Reply(500, b"oops"), 500, "HTTP 500"),
    "timeout": (Reply(200, atom(entries(3)), ATOM, delay=1.0), None, "timed out"),
    "50 MB body": (_huge, None, "exceeds the cap"),
    "declared 50 MB": (_declared_huge, None, "exceeds the cap"),
    "redirect loop": (
        lambda h: Reply(302, b"", {"Location": "/world.atom"}),
        None,
        "too many redirects",
    ),
    "not a feed": (Reply(200, b"<html><body>Not found", {"Content-Type": "text/html"}), 200, ""),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_is_recorded_with_backoff_and_nothing_is_lost(
    fault, archive, server, feed, fetcher, clock
):
    route, http_status, message = FAULTS[fault]
    server.routes["/world.atom"] = good(entries(2))
    first = poll(archive, feed, fetcher, clock)
    head = archive.events.head()

    server.routes["/world.atom"] = route  # type: ignore[assignment]
    delays = []
    for failures in (1, 2, 3):
        before = get_feed(archive, feed.feed_id).state.next_poll_at or first.next_poll_at
        clock.advance_past(before)
        result = poll(archive, feed, fetcher, clock)
        state = get_feed(archive, feed.feed_id).state
        assert result.status == "failed"
        assert (state.last_status, state.failures) == ("failed", failures)
        assert state.last_http_status == http_status
        assert message in (state.last_error or "")
        assert state.etag == '"v1"'  # the validators of the last good poll are kept
        delays.append((state.next_poll_at - clock.now).total_seconds())
    assert archive.events.head() == head
    assert delays[0] >= 900 and delays[1] >= 1800 and delays[2] >= 3600  # exponential

    server.routes["/world.atom"] = good(entries(3), '"v2"')
    clock.advance_past(get_feed(archive, feed.feed_id).state.next_poll_at)
    recovered = poll(archive, feed, fetcher, clock)
    assert (recovered.status, recovered.new, recovered.unchanged) == ("ok", 1, 2)
    assert get_feed(archive, feed.feed_id).state.failures == 0
    assert count(archive, documents) == 3


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"), [(429, "3600", 3600), (503, "60", 900)]
)
def test_429_and_503_wait_for_retry_after_and_never_less_than_the_interval(
    status, retry_after, expected, archive, server, feed, fetcher, clock
):
    server.routes["/world.atom"] = Reply(status, b"slow down", {"Retry-After": retry_after})
    result = poll(archive, feed, fetcher, clock)
    state = get_feed(archive, feed.feed_id).state
    assert (result.status, state.last_http_status, state.failures) == ("failed", status, 1)
    wait = (state.next_poll_at - clock.now).total_seconds()
    assert expected <= wait <= expected + 90  # plus jitter, at most 10% of the interval


def test_gzip_feed_is_captured(archive, server, feed, fetcher, clock):
    body = gzip.compress(atom(entries(2)))
    server.routes["/world.atom"] = Reply(200, body, {**ATOM, "Content-Encoding": "gzip"})
    result = poll(archive, feed, fetcher, clock)
    assert (result.status, result.new) == ("ok", 2)


def test_wrong_charset_is_captured_and_flagged(archive, server, feed, fetcher, clock):
    body = atom([Entry(1, 160)], title="Nachrichten aus Zürich").replace(
        b"officials said", "officials in Zürich said".encode("cp1252")
    )
    server.routes["/world.atom"] = Reply(200, body, ATOM)  # says UTF-8, is partly cp1252
    result = poll(archive, feed, fetcher, clock)
    state = get_feed(archive, feed.feed_id).state
    assert result.new == 1
    assert state.last_status in ("ok", "malformed")
    with archive.engine.connect() as connection:
        text = connection.execute(select(documents.c.text)).scalar_one()
    assert "160 people" in text


def test_loopback_feed_is_refused_with_the_guard_on(archive, server, feed, clock):
    server.routes["/world.atom"] = good(entries(2))
    with Fetcher(allow_private=False) as guarded:
        result = poll(archive, feed, guarded, clock)
    state = get_feed(archive, feed.feed_id).state
    assert result.status == "failed" and "non-public address" in (state.last_error or "")
    assert server.requests["/world.atom"] == 0
    assert archive.events.head() == 1  # FeedAdded only


def test_redirect_into_loopback_is_refused_with_the_guard_on(archive, server, clock):
    """A public feed that redirects to 127.0.0.1: the hop is checked, and refused."""
    server.routes["/world.atom"] = good(entries(2))
    target = server.url("/world.atom")

    def public(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": target})

    feed = register_feed(archive, "http://93.184.216.34/world.atom", SUBJECT, "15m")
    client = httpx.Client(transport=httpx.MockTransport(public))
    with Fetcher(client, allow_private=False) as guarded:
        result = poll(archive, feed, guarded, clock)
    assert result.status == "failed"
    assert "127.0.0.1" in (result.error or "") and "refused" in (result.error or "")
    assert server.requests["/world.atom"] == 0


def test_paused_and_not_yet_due_feeds_are_skipped(archive, server, feed, fetcher, clock):
    from services.feeds import pause_feed

    server.routes["/world.atom"] = good(entries(1))
    poll(archive, feed, fetcher, clock)
    assert poll(archive, feed, fetcher, clock).status == "skipped"  # not due yet
    pause_feed(archive, feed.feed_id)
    clock.now += timedelta(days=1)
    assert poll(archive, feed, fetcher, clock).status == "skipped"
    assert server.requests["/world.atom"] == 1


def test_log_line_names_feed_status_counts_and_time(archive, server, feed, fetcher, clock):
    server.routes["/world.atom"] = good(entries(2))
    line = poll(archive, feed, fetcher, clock).log_line()
    for part in (f"feed={feed.feed_id}", "status=ok", "http=200", "new=2", "changed=0",
                 "unchanged=0", "reports=2", "seconds=", "next="):  # fmt: skip
        assert part in line
    assert count(archive, events) == 5  # FeedAdded, two documents, two reports
