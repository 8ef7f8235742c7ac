"""The pages over HTTP: HTML with its permalink, feeds and downloads; errors as pages."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.problems import every_error, slug_of
from tests.api.conftest import SUBJECT, settings_for
from tests.api.story import SUBJECT as STORY
from tests.api.story import record_story
from tests.conftest import open_archive


@pytest.fixture
def story_client(database_url, tmp_path):
    archive = open_archive(database_url, tmp_path)
    record_story(archive)
    archive.close()
    with TestClient(create_app(settings_for(database_url, tmp_path))) as client:
        yield client


def test_subject_page_names_its_permalink(client):
    response = client.get(f"/subjects/{SUBJECT}", params={"as_of": "2022-01-11"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    link = f"/subjects/{SUBJECT}?as_of=2022-01-11T23:59:59.999999Z&at_position=14"
    assert response.headers["link"] == f'<{link}>; rel="canonical"'
    assert f'<link rel="canonical" href="{link.replace("&", "&amp;")}">' in response.text
    assert "<svg" in response.text and "<script" not in response.text


def test_empty_date_field_means_now(client):
    response = client.get(f"/subjects/{SUBJECT}", params={"as_of": ""})
    assert response.status_code == 200 and "10,000" in response.text


def test_stylesheet_is_served_locally(client):
    page = client.get("/").text
    assert 'href="http://testserver/static/recount.css"' in page or "/static/recount.css" in page
    assert client.get("/static/recount.css").status_code == 200


def test_each_page_links_its_own_json_and_atom_feed(client):
    figure = client.get(f"/subjects/{SUBJECT}/arrests", params={"as_of": "2022-01-11"}).text
    assert f'href="/v1/subjects/{SUBJECT}/figures/arrests?as_of=2022-01-11"' in figure
    feed = f"/subjects/{SUBJECT}/arrests.atom"
    assert (
        f'<link rel="alternate" type="application/atom+xml" title="Revisions (Atom)" href="{feed}">'
        in figure
    )
    subject = client.get(f"/subjects/{SUBJECT}").text
    assert f'href="/v1/subjects/{SUBJECT}/figures"' in subject
    assert (
        f'type="application/atom+xml" title="Revisions (Atom)" href="/subjects/{SUBJECT}.atom"'
        in subject
    )
    assert 'href="/v1/subjects"' in client.get("/").text


def test_an_unknown_subject_is_a_page_not_json(client):
    response = client.get("/subjects/nowhere", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "no subject &#39;nowhere&#39; in the archive" in response.text
    assert 'href="/problems/unknown-subject"' in response.text
    assert client.get(f"/subjects/{SUBJECT}/unicorns").status_code == 404
    assert client.get("/no/such/page").headers["content-type"].startswith("text/html")


def test_bad_input_on_a_page_is_a_page_and_json_when_asked(client):
    page = client.get(f"/subjects/{SUBJECT}", params={"as_of": "soon"})
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    asked = client.get(
        f"/subjects/{SUBJECT}", params={"as_of": "soon"}, headers={"Accept": "application/json"}
    )
    assert asked.status_code == 422
    assert asked.headers["content-type"] == "application/problem+json"


def test_the_api_answers_problems_whatever_the_client_accepts(client):
    response = client.get("/v1/subjects/nowhere/figures", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/unknown-subject"


def test_every_problem_type_resolves_to_a_page(client):
    index = client.get("/problems")
    assert index.status_code == 200
    for kind in every_error():
        page = client.get(f"/problems/{slug_of(kind)}")
        assert page.status_code == 200, kind
        assert f"<h1>{kind.__name__}</h1>" in page.text
    assert client.get("/problems/no-such-problem").status_code == 404


def test_a_problems_type_url_answers_with_its_page(client):
    kind = client.get("/v1/subjects/nowhere/figures").json()["type"]
    page = client.get(kind)
    assert page.status_code == 200 and "The subjects the archive holds" in page.text


def test_api_docs_load_nothing_from_elsewhere(client):
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "script-src 'self'" in docs.headers["content-security-policy"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert sources and all(s.startswith(("/", "http://testserver/")) for s in sources)
    for asset in [s for s in sources if "/static/" in s]:
        assert client.get(asset).status_code == 200, asset
    assert "<script>" not in docs.text  # no inline script


def test_the_history_page_has_an_as_of_control_and_says_as_of(client):
    page = client.get(f"/subjects/{SUBJECT}/arrests", params={"as_of": "2022-01-11"}).text
    assert 'action="/subjects/kazakhstan-unrest-2022/arrests"' in page
    assert 'value="2022-01-11"' in page and "As of 2022-01-11" in page


def test_sources_compared_shows_each_sources_latest_statement(story_client):
    page = story_client.get(f"/subjects/{STORY}/deaths").text
    table = page[page.index('<table class="sources">') : page.index("</table>")]
    rows = re.findall(
        r'<tr[^>]*>\s*<th scope="row">(?:<a[^>]*>)?([^<]+).*?class="says">([^<]+)<', table, re.S
    )
    assert rows == [("BBC", "at least 4,980"), ("Reuters", "4,890"), ("AP", "2,300")]
    assert '<strong class="spread">2,680</strong>' in page
    earlier = story_client.get(f"/subjects/{STORY}/deaths", params={"as_of": "2026-03-12"}).text
    assert "at least 4,980" not in earlier[earlier.index("<table") :]


def test_every_quote_from_a_captured_article_links_its_archived_copy(client):
    page = client.get(f"/subjects/{SUBJECT}/arrests").text
    copies = re.findall(r'class="archived" href="([^"]+)"', page)
    assert len(copies) == 5
    memento = client.get(copies[0], follow_redirects=False)
    assert memento.status_code == 200 and "Memento-Datetime" in memento.headers
    banner = client.get(copies[0], headers={"Accept": "text/html"}).text
    assert "Figures taken from this copy" in banner
    taken = re.findall(r'<li><a href="/subjects/[^"]+">([^<]+)</a>', banner)
    assert any(t.startswith("Arrests: ") for t in taken)


def test_the_embed_may_be_framed_and_nothing_else_may(client):
    embed = client.get(f"/subjects/{SUBJECT}/arrests/embed")
    assert embed.status_code == 200
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    assert 'class="current-value" value="10000"' in embed.text
    page = client.get(f"/subjects/{SUBJECT}/arrests").text
    assert (
        "&lt;iframe src=&#34;http://testserver/subjects/kazakhstan-unrest-2022/arrests/embed&#34;"
        in page
    )


def feed_file(path, text):
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:desk</id><title>Desk</title>'
        "<updated>2022-01-12T00:00:00Z</updated><entry><id>urn:desk:1</id>"
        '<link href="https://news.example/toll"/><title>Toll rises</title>'
        "<published>2022-01-11T08:00:00Z</published>"
        f'<content type="text">{text}</content></entry></feed>',
        encoding="utf-8",
    )
    return str(path)


def test_a_quote_from_a_corrected_article_says_which_version_it_came_from(database_url, tmp_path):
    from services.capture import ingest_source

    archive = open_archive(database_url, tmp_path)
    ingest_source(archive, feed_file(tmp_path / "a.atom", "At least 160 people died."), "desk")
    ingest_source(archive, feed_file(tmp_path / "a.atom", "At least 164 people died."), "desk")
    archive.close()
    with TestClient(create_app(settings_for(database_url, tmp_path))) as client:
        page = client.get("/subjects/desk/deaths").text
    quotes = page[page.index('<ol class="quotes">') :]
    older, newer = quotes.split('<li class="quote')[1:3]  # oldest first
    assert "164" in newer and "from version 2 of the article" in newer
    assert "160" in older and "from version" not in older
    assert newer.count('class="archived"') == older.count('class="archived"') == 1
