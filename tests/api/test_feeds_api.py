"""Feeds over HTTP: open reads of their state, writes only with a token, events in the log."""

from __future__ import annotations

import pytest

from services.tokens import create_token
from tests.api.conftest import archive_of

URL = "https://news.example.org/world.atom"
SUBJECT = "kazakhstan-unrest-2022"


def auth_for(client) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(archive_of(client), 'desk')}"}


def test_adding_a_feed_needs_a_token(empty_client):
    response = empty_client.post("/v1/feeds", json={"url": URL, "subject": SUBJECT})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert archive_of(empty_client).events.head() == 0


def test_feed_added_over_http_is_listed_with_its_state_and_removed(empty_client):
    auth = auth_for(empty_client)
    body = {"url": URL, "subject": SUBJECT, "every": "1h"}
    created = empty_client.post("/v1/feeds", json=body, headers=auth)
    assert created.status_code == 201, created.text
    feed = created.json()
    assert (feed["url"], feed["every"], feed["interval_seconds"]) == (URL, "1h", 3600)
    assert (feed["status"], feed["last_polled_at"], feed["next_poll_at"]) == ("active", None, None)
    assert feed["failures"] == 0 and feed["last_error"] is None

    assert empty_client.get("/v1/feeds").json() == [feed]
    assert empty_client.get(f"/v1/feeds/{feed['id']}").json() == feed
    [added] = [e for e in archive_of(empty_client).events.read() if e.type == "FeedAdded"]
    assert added.metadata == {"actor": "desk", "via": "http"}

    assert empty_client.delete(f"/v1/feeds/{feed['id']}").status_code == 401
    removed = empty_client.delete(f"/v1/feeds/{feed['id']}", headers=auth)
    assert removed.status_code == 200 and removed.json()["status"] == "removed"
    assert empty_client.get("/v1/feeds").json() == []
    assert empty_client.get(f"/v1/feeds/{feed['id']}").status_code == 404


def test_bad_feed_input_is_a_problem_not_an_event(empty_client):
    auth = auth_for(empty_client)
    for body, status in [
        ({"url": URL, "subject": SUBJECT, "every": "soon"}, 422),
        ({"url": "ftp://example.org/feed", "subject": SUBJECT}, 422),
        ({"url": "http://127.0.0.1/feed", "subject": SUBJECT}, 422),
    ]:
        response = empty_client.post("/v1/feeds", json=body, headers=auth)
        assert response.status_code == status, response.text
        assert response.json()["detail"]
    empty_client.post("/v1/feeds", json={"url": URL, "subject": SUBJECT}, headers=auth)
    again = empty_client.post("/v1/feeds", json={"url": URL, "subject": SUBJECT}, headers=auth)
    assert again.status_code == 409
    assert [e.type for e in archive_of(empty_client).events.read()] == ["FeedAdded"]


MALFORMED = [
    "http://0177.0.0.1/",
    "http://999.999.999.999/",
    "http://127.0.0.01/",
    "http://[::1/",
    "http://127.1/",
    "http://[fe80::1%25eth0]/",
    "http://example.org:99999/",
    "http://exa mple.org/",
    "http:///feed",
]
EMBEDDED_PRIVATE = [
    "http://[2002:7f00:1::]/",
    "http://[::127.0.0.1]/",
    "http://[64:ff9b::10.0.0.1]/",
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
]


@pytest.mark.parametrize("url", MALFORMED + EMBEDDED_PRIVATE)
def test_malformed_or_private_feed_url_is_422_and_appends_nothing(empty_client, url):
    auth = auth_for(empty_client)
    response = empty_client.post("/v1/feeds", json={"url": url, "subject": SUBJECT}, headers=auth)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"]
    assert archive_of(empty_client).events.head() == 0
    assert empty_client.get("/v1/feeds").json() == []
