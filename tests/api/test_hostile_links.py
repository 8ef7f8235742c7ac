"""Source URLs are data, not markup: only http(s) ones become links, and every response carries
the headers that keep a page from running what slipped through."""

from __future__ import annotations

import pytest

from services.capture import ingest_source
from tests.api.conftest import archive_of
from tests.api.hostile import (
    HOSTILE_URLS,
    SAFE_URL,
    SUBJECT,
    hostile_feed,
    link_targets,
    posted_reports,
    scheme_as_browser_reads,
)

PAGES = [f"/subjects/{SUBJECT}", f"/subjects/{SUBJECT}/deaths", f"/subjects/{SUBJECT}/arrests"]


@pytest.fixture
def hostile(client, auth, tmp_path):
    for body in posted_reports():
        response = client.post(f"/v1/subjects/{SUBJECT}/reports", json=body, headers=auth)
        assert response.status_code == 201, response.text
    ingest_source(archive_of(client), str(hostile_feed(tmp_path)), SUBJECT)
    return client


def test_the_hostile_urls_are_stored_as_given(hostile):
    figure = hostile.get(f"/v1/subjects/{SUBJECT}/figures/deaths").json()
    stored = {r["source"]["url"] for r in figure["reports"]}
    assert set(HOSTILE_URLS) <= stored


@pytest.mark.parametrize("path", PAGES)
def test_pages_link_only_web_urls_and_show_the_rest_as_text(hostile, path):
    response = hostile.get(path)
    assert response.status_code == 200
    urls, inline = link_targets(response.text)
    schemes = {scheme_as_browser_reads(url) for url in urls}
    assert schemes <= {None, "http", "https"}, schemes
    assert inline == []
    assert "alert(" in response.text  # still there, as text a reader can see
    if path.endswith("deaths") or path.endswith(SUBJECT):
        assert SAFE_URL in urls


def test_memento_serves_no_capture_of_a_script_url(hostile):
    for url in ("javascript:alert(1)", "data:text/html,<script>alert(8)</script>"):
        for route in ("/timegate/", "/timemap/link/", "/memento/20220111000000/"):
            response = hostile.get(route + url, follow_redirects=False)
            assert response.status_code == 404, (route, url)
            assert "javascript:" not in response.headers.get("link", "")
            assert "data:" not in response.headers.get("location", "")


SECURITY_HEADERS = ["content-security-policy", "x-content-type-options", "referrer-policy"]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        f"/subjects/{SUBJECT}",
        f"/subjects/{SUBJECT}/deaths",
        "/subjects/NOT%20A%20SLUG",
        "/static/recount.css",
        "/v1/subjects",
        "/openapi.json",
        "/v1/events/nothing-here",
    ],
)
def test_every_response_forbids_script_sniffing_and_framing(hostile, path):
    response = hostile.get(path)
    policy = response.headers["content-security-policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split("; ")}
    assert directives["default-src"] == ["'none'"]
    assert "script-src" not in directives  # no script at all, inline or not
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["style-src"] == ["'self'"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
