"""Feeds as data: configuration events and their projection, polling state that replay keeps."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import Conflict, InvalidInput, UnknownFeed
from domain.feeds import FeedState, format_interval, parse_interval
from services import audit as replay
from services.feeds import (
    get_feed,
    list_feeds,
    pause_feed,
    register_feed,
    remove_feed,
    resume_feed,
)
from store.feeds import due_feeds, holding, record_poll
from tests.conftest import POSTGRES_URL, open_archive, postgres_schema_url

URL = "https://news.example.org/world.atom"
SUBJECT = "kazakhstan-unrest-2022"
NOW = datetime(2025, 11, 1, 12, tzinfo=UTC)


def feed_events(archive):
    return [(e.type, e.metadata.get("actor")) for e in archive.events.read() if "Feed" in e.type]


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("15m", 900), ("1h", 3600),
                                                ("1d", 86400), (" 2h ", 7200)])  # fmt: skip
def test_interval_words_become_seconds(text, seconds):
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["15", "15 minutes", "1w", "-5m", "", "5s", "30d"])
def test_bad_interval_is_refused_with_the_accepted_forms(text):
    with pytest.raises(InvalidInput, match="30s|between"):
        parse_interval(text)


def test_interval_is_shown_in_its_largest_unit():
    assert [format_interval(s) for s in (900, 3600, 86400, 90)] == ["15m", "1h", "1d", "90s"]


def test_adding_pausing_resuming_removing_leaves_an_audit_trail(archive):
    feed = register_feed(archive, URL, SUBJECT, "15m")
    assert (feed.status, feed.url, feed.subject, feed.interval_seconds) == (
        "active", URL, SUBJECT, 900)  # fmt: skip
    assert pause_feed(archive, feed.feed_id).status == "paused"
    assert pause_feed(archive, feed.feed_id).status == "paused"  # appends nothing
    assert resume_feed(archive, feed.feed_id).status == "active"
    assert remove_feed(archive, feed.feed_id, actor="token:desk").status == "removed"
    assert feed_events(archive) == [
        ("FeedAdded", "operator"),
        ("FeedPaused", "operator"),
        ("FeedResumed", "operator"),
        ("FeedRemoved", "token:desk"),
    ]
    assert list_feeds(archive) == []
    with pytest.raises(UnknownFeed):
        get_feed(archive, feed.feed_id)


def test_adding_the_same_feed_twice_is_a_conflict_but_it_can_come_back_after_removal(archive):
    feed = register_feed(archive, URL, SUBJECT, "15m")
    with pytest.raises(Conflict):
        register_feed(archive, URL, SUBJECT, "1h")
    remove_feed(archive, feed.feed_id)
    again = register_feed(archive, URL, SUBJECT, "1h")
    assert (again.feed_id, again.status, again.interval_seconds) == (feed.feed_id, "active", 3600)


def test_bad_url_or_subject_is_refused(archive):
    with pytest.raises(InvalidInput):
        register_feed(archive, "file:///etc/passwd", SUBJECT, "15m")
    with pytest.raises(InvalidInput):
        register_feed(archive, URL, "Not A Slug", "15m")
    assert archive.events.head() == 0


def test_a_feed_is_found_by_a_unique_prefix_of_its_id(archive):
    feed = register_feed(archive, URL, SUBJECT, "15m")
    assert get_feed(archive, feed.feed_id[:8]).feed_id == feed.feed_id
    with pytest.raises(UnknownFeed):
        get_feed(archive, "abc")


def test_new_feed_is_due_at_once_then_at_its_next_poll(archive):
    feed = register_feed(archive, URL, SUBJECT, "15m")
    other = register_feed(archive, URL + "?b", SUBJECT, "15m")
    assert [f.feed_id for f in due_feeds(archive.engine, NOW)] == sorted(
        [feed.feed_id, other.feed_id]
    )
    record_poll(archive.engine, feed.feed_id, FeedState(last_status="ok", next_poll_at=NOW))
    assert [f.feed_id for f in due_feeds(archive.engine, NOW - timedelta(seconds=1))] == [
        other.feed_id
    ]
    assert len(due_feeds(archive.engine, NOW, exclude=[other.feed_id])) == 1
    pause_feed(archive, other.feed_id)
    assert [f.feed_id for f in due_feeds(archive.engine, NOW)] == [feed.feed_id]


def test_replay_rebuilds_configuration_and_keeps_polling_state(archive):
    feed = register_feed(archive, URL, SUBJECT, "15m")
    pause_feed(archive, register_feed(archive, URL + "?b", SUBJECT, "1m").feed_id)
    state = FeedState(etag='"v7"', last_status="ok", failures=0, next_poll_at=NOW, last_new=3)
    record_poll(archive.engine, feed.feed_id, state)
    before = list_feeds(archive)

    assert replay.replay_check(archive) is None
    replay.replay(archive)

    assert list_feeds(archive) == before
    assert get_feed(archive, feed.feed_id).state == state


def test_resume_makes_a_feed_due_at_once(archive):
    feed = register_feed(archive, URL, SUBJECT, "15m")
    record_poll(archive.engine, feed.feed_id, FeedState(next_poll_at=NOW + timedelta(hours=1)))
    pause_feed(archive, feed.feed_id)
    resumed = resume_feed(archive, feed.feed_id)
    assert resumed.state.next_poll_at is None and resumed.is_due(NOW)


def test_to_json_gives_configuration_and_state(archive):
    feed = register_feed(archive, URL, SUBJECT, "15m")
    state = replace(FeedState(), last_polled_at=NOW, failures=2, last_error="HTTP 500")
    record_poll(archive.engine, feed.feed_id, state)
    data = get_feed(archive, feed.feed_id).to_json()
    assert data["id"] == feed.feed_id and data["every"] == "15m"
    assert data["last_polled_at"] == "2025-11-01T12:00:00.000000Z"
    assert (data["failures"], data["last_error"], data["status"]) == (2, "HTTP 500", "active")


@pytest.fixture
def pg_archive(tmp_path):
    if not POSTGRES_URL:
        pytest.skip("the poll lock is PostgreSQL's: set RECOUNT_TEST_POSTGRES_URL")
    for url in postgres_schema_url():
        opened = open_archive(url, tmp_path)
        yield opened
        opened.close()


def test_a_poll_lock_is_held_by_one_holder_at_a_time(pg_archive):
    archive = pg_archive
    feed = register_feed(archive, URL, SUBJECT, "15m")
    inside = threading.Event()
    release = threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with holding(archive.engine, feed.feed_id) as held:
            seen.append(held)
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=first)
    thread.start()
    inside.wait(5)
    with holding(archive.engine, feed.feed_id) as second:
        seen.append(second)
    release.set()
    thread.join(5)
    with holding(archive.engine, feed.feed_id) as third:
        seen.append(third)
    assert seen == [True, False, True]
