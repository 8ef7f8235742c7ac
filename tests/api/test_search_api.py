"""Search over HTTP: JSON for programs, a page (with the home page's form) for people."""

from __future__ import annotations

from tests.api.conftest import SUBJECT


def test_search_answers_subjects_and_articles_with_their_archived_copy(client):
    response = client.get("/v1/search", params={"q": "Tokayev troops"})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "Tokayev troops" and body["subjects"] == []
    assert len(body["documents"]) >= 1
    hit = body["documents"][0]
    assert hit["subject"] == SUBJECT and "\x02" not in hit["snippet"]
    assert client.get(hit["memento"]).status_code == 200
    names = client.get("/v1/search", params={"q": "kazakhstan"}).json()["subjects"]
    assert names == [{"subject": SUBJECT, "page": f"/subjects/{SUBJECT}"}]


def test_an_empty_or_oversize_query(client):
    assert client.get("/v1/search").json() == {"query": "", "subjects": [], "documents": []}
    too_long = client.get("/v1/search", params={"q": "x" * 201})
    assert too_long.status_code == 422
    assert too_long.headers["content-type"] == "application/problem+json"


def test_the_home_page_searches_and_marks_the_words_found(client):
    home = client.get("/").text
    assert 'action="/search"' in home and 'name="q"' in home
    page = client.get("/search", params={"q": "mercenaries <b>"}).text
    assert "<mark>mercenaries</mark>" in page.lower() or "No captured article" in page
    assert "<b>" not in page.split("<main", 1)[1]  # the query is shown escaped
    found = client.get("/search", params={"q": "mercenaries"}).text
    assert "<mark>mercenaries</mark>" in found.lower()
    assert f'href="/subjects/{SUBJECT}"' in found
