"""Registering a feed always passes the URL guard; nothing else can add one."""

from __future__ import annotations

import pytest

from domain.errors import UnsafeURL
from services import feeds
from services.feeds import list_feeds, register_feed
from tests.conftest import open_archive

SUBJECT = "kazakhstan-unrest-2022"


def test_a_private_feed_url_is_refused_and_nothing_is_appended(archive):
    with pytest.raises(UnsafeURL):
        register_feed(archive, "http://127.0.0.1:8080/world.atom", SUBJECT, "15m")
    assert list_feeds(archive, include_removed=True) == []
    assert archive.events.head() == 0


def test_a_private_feed_url_is_accepted_when_the_settings_allow_it(database_url, tmp_path):
    archive = open_archive(database_url, tmp_path, allow_private_feeds=True)
    try:
        feed = register_feed(archive, "http://127.0.0.1:8080/world.atom", SUBJECT, "15m")
        assert [f.feed_id for f in list_feeds(archive)] == [feed.feed_id]
    finally:
        archive.close()


def test_the_unguarded_add_is_not_part_of_any_public_surface():
    import store.feeds

    assert not hasattr(store.feeds, "add_feed")
    assert not hasattr(feeds, "add_feed")
