"""The pages over HTTP: HTML with its permalink, and problem+json for bad input."""

from __future__ import annotations

from tests.api.conftest import SUBJECT


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


def test_pages_answer_bad_input_with_problems(client):
    assert client.get("/subjects/nowhere").status_code == 404
    bad = client.get(f"/subjects/{SUBJECT}", params={"as_of": "soon"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert client.get(f"/subjects/{SUBJECT}/unicorns").status_code == 404
