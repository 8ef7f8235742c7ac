"""Revisions as Atom: feedparser reads them cleanly, entries are the revisions, ids never move."""

from __future__ import annotations

import feedparser
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from services.reports import retract_report
from tests.api.conftest import archive_of, settings_for
from tests.api.story import SUBJECT, record_story
from tests.conftest import open_archive


@pytest.fixture
def client(database_url, tmp_path):
    archive = open_archive(database_url, tmp_path)
    record_story(archive)
    archive.close()
    with TestClient(create_app(settings_for(database_url, tmp_path))) as client:
        yield client


def parse(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert feed.bozo is False, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_a_figures_feed_lists_its_revisions_newest_first(client):
    feed = parse(client, f"/subjects/{SUBJECT}/deaths.atom")
    assert [e.title for e in feed.entries] == [
        "Deaths: 4,890 → 4,980, at least, BBC, 14 Mar 2026",
        "Deaths: 2,300 → 4,890, Reuters, 13 Mar 2026",
        "Deaths: 1,200 → 2,300, AP, 11 Mar 2026",
        "Deaths: 1,200, at least, Reuters, 10 Mar 2026",
    ]
    newest = feed.entries[0]
    assert newest.id.startswith("urn:uuid:")
    assert newest.published.startswith("2026-03-14T09:00:00")
    assert newest.author == "BBC"
    links = {link.rel: link.href for link in newest.links}
    assert links["related"] == "https://bbc.example/valoria-deaths-14"
    assert links["alternate"].startswith(
        f"http://testserver/subjects/{SUBJECT}/deaths?at_position="
    )
    assert "At least 4,980 people have died." in newest.summary
    assert feed.feed.link == f"http://testserver/subjects/{SUBJECT}/deaths"


def test_a_subjects_feed_holds_every_figures_revisions(client):
    feed = parse(client, f"/subjects/{SUBJECT}.atom")
    titles = [e.title for e in feed.entries]
    assert len(titles) == 5 and "Troops: 2,030, AP, 11 Mar 2026" in titles
    assert not any("30,000" in t or "10,000" in t for t in titles)  # other event, projection


def test_entry_ids_stay_the_same_as_the_feed_grows_and_shrinks(client):
    before = parse(client, f"/subjects/{SUBJECT}/deaths.atom")
    ids = {e.title: e.id for e in before.entries}
    newest = before.entries[0].id.removeprefix("urn:uuid:")
    retract_report(archive_of(client), newest, "misread", actor="desk", any_report=True)
    after = parse(client, f"/subjects/{SUBJECT}/deaths.atom")
    assert [e.id for e in after.entries] == [ids[e.title] for e in after.entries]
    assert len(after.entries) == 3 and before.feed.id == after.feed.id


def test_feeds_of_unknown_subjects_and_metrics_are_404(client):
    assert client.get("/subjects/nowhere.atom").status_code == 404
    assert client.get(f"/subjects/{SUBJECT}/unicorns.atom").status_code == 404


def test_a_script_source_url_never_becomes_an_atom_link(client, tmp_path):
    from services.tokens import create_token
    from tests.api.hostile import SUBJECT as HOSTILE
    from tests.api.hostile import posted_reports, scheme_as_browser_reads

    auth = {"Authorization": f"Bearer {create_token(archive_of(client), 'attacker')}"}
    for body in posted_reports():
        posted = client.post(f"/v1/subjects/{HOSTILE}/reports", json=body, headers=auth)
        assert posted.status_code == 201, posted.text
    feed = parse(client, f"/subjects/{HOSTILE}/deaths.atom")
    hrefs = [link.href for entry in feed.entries for link in entry.links] + [
        link.href for link in feed.feed.links
    ]
    assert len(feed.entries) == len(posted_reports())
    assert {scheme_as_browser_reads(h) for h in hrefs} <= {"http", "https"}
    related = [link.href for e in feed.entries for link in e.links if link.rel == "related"]
    assert related == ["https://news.example/kazakhstan/report"]
