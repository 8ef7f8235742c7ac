"""Subjects over HTTP: defined with a token, listed by title, old names answering 301 on the
API and the pages, the home page and a subject page showing what a reader needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.errors import PROBLEM
from services.capture import ingest_source
from tests.api.conftest import SUBJECT, archive_of

WORLD = str(Path(__file__).parent.parent / "fixtures" / "general" / "world.atom")
QUAKE = {
    "subject": "valoria-earthquake-2026",
    "title": "Valoria earthquake",
    "match": ["earthquake", "quake"],
    "exclude": ["football"],
}


@pytest.fixture
def routed(client, auth):
    """The demo subject, and a general feed routed to a subject defined over HTTP."""
    assert client.post("/v1/subjects", json=QUAKE, headers=auth).status_code == 201
    ingest_source(archive_of(client), WORLD, None)
    return client


def test_defining_a_subject_needs_a_token_and_appends_nothing_without_one(client):
    before = client.get("/v1/events").json()
    answer = client.post("/v1/subjects", json=QUAKE)
    assert answer.status_code == 401
    assert answer.headers["content-type"] == PROBLEM
    assert client.get("/v1/events").json() == before


def test_a_defined_subject_is_listed_by_title_with_its_rules_and_figures(routed):
    listed = {s["subject"]: s for s in routed.get("/v1/subjects").json()}
    quake = listed["valoria-earthquake-2026"]
    assert quake["title"] == "Valoria earthquake"
    assert quake["rules"]["text"] == '"earthquake" or "quake"; not "football"'
    deaths = next(f for f in quake["figures"] if f["metric"] == "deaths")
    assert deaths["current"]["value"] == 41
    assert list(listed)[0] == "valoria-earthquake-2026"  # the most recent change first


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({**QUAKE, "match": ["--"]}, "not a phrase"),
        ({**QUAKE, "match": [], "exclude": ["x"]}, "at least one --match"),
        ({**QUAKE, "subject": "Not A Slug"}, "subject"),
        ({**QUAKE, "feeds": ["nosuchfeed"]}, "no feed"),
    ],
)
def test_bad_rules_are_a_problem_and_append_nothing(client, auth, body, detail):
    before = client.get("/v1/events").json()
    answer = client.post("/v1/subjects", json=body, headers=auth)
    assert answer.status_code in (404, 422)
    assert answer.headers["content-type"] == PROBLEM
    assert detail in answer.json()["detail"]
    assert client.get("/v1/events").json() == before


def test_a_renamed_subject_answers_301_on_the_api_and_the_pages_keeping_the_query(client, auth):
    answer = client.post(
        f"/v1/subjects/{SUBJECT}/rename", json={"new_subject": "kazakhstan-2022"}, headers=auth
    )
    assert answer.status_code == 200 and answer.json()["subject"] == "kazakhstan-2022"
    for old, new in [
        (
            f"/v1/subjects/{SUBJECT}/figures?as_of=2022-01-11",
            "/v1/subjects/kazakhstan-2022/figures?as_of=2022-01-11",
        ),
        (f"/v1/subjects/{SUBJECT}/figures/arrests", "/v1/subjects/kazakhstan-2022/figures/arrests"),
        (f"/subjects/{SUBJECT}", "/subjects/kazakhstan-2022"),
        (f"/subjects/{SUBJECT}/arrests", "/subjects/kazakhstan-2022/arrests"),
        (f"/subjects/{SUBJECT}.atom", "/subjects/kazakhstan-2022.atom"),
        (f"/v1/subjects/{SUBJECT}", "/v1/subjects/kazakhstan-2022"),
    ]:
        moved = client.get(old, follow_redirects=False)
        assert (moved.status_code, moved.headers["location"]) == (301, new), old
    arrests = client.get(f"/v1/subjects/{SUBJECT}/figures/arrests?as_of=2022-01-11").json()
    assert (arrests["subject"], arrests["current"]["value"]) == ("kazakhstan-2022", 9900)


def test_a_merge_joins_two_subjects_from_its_position_and_leaves_them_apart_before(routed, auth):
    quake = "valoria-earthquake-2026"
    pinned = routed.get(f"/v1/subjects/{quake}/figures").json()["position"]
    answer = routed.post(f"/v1/subjects/{SUBJECT}/merge", json={"into": quake}, headers=auth)
    assert answer.status_code == 200
    now = routed.get(f"/v1/subjects/{quake}/figures").json()
    before = routed.get(f"/v1/subjects/{quake}/figures?at_position={pinned}").json()
    assert "arrests" in {f["metric"] for f in now["figures"]}
    assert "arrests" not in {f["metric"] for f in before["figures"]}
    demo_then = routed.get(f"/v1/subjects/{SUBJECT}/figures?at_position={pinned}")
    assert demo_then.status_code == 200
    assert routed.get(f"/v1/subjects/{SUBJECT}/figures", follow_redirects=False).status_code == 301


def test_a_hidden_subject_leaves_the_home_page_but_keeps_its_page(routed, auth):
    assert routed.post(f"/v1/subjects/{SUBJECT}/hide", headers=auth).json()["hidden"] is True
    assert f'href="/subjects/{SUBJECT}"' not in routed.get("/").text
    assert SUBJECT not in {s["subject"] for s in routed.get("/v1/subjects").json()}
    assert SUBJECT in {s["subject"] for s in routed.get("/v1/subjects?hidden=true").json()}
    assert routed.get(f"/subjects/{SUBJECT}").status_code == 200
    routed.post(f"/v1/subjects/{SUBJECT}/show", headers=auth)
    assert f'href="/subjects/{SUBJECT}"' in routed.get("/").text


def test_the_home_page_lists_subjects_by_title_newest_first_with_headline_figures(routed):
    page = routed.get("/").text
    assert page.index("Valoria earthquake") < page.index(SUBJECT)
    assert "Deaths:" in page and "<strong>41</strong>" in page


def test_a_subject_page_shows_its_rules_and_the_feeds_that_feed_it(routed, auth):
    general = {"url": "https://wire.example.org/world.atom"}
    added = routed.post("/v1/feeds", json=general, headers=auth)
    assert (added.status_code, added.json()["subject"]) == (201, None)
    page = routed.get("/subjects/valoria-earthquake-2026").text
    assert "<h1>Valoria earthquake</h1>" in page
    assert "&#34;earthquake&#34; or &#34;quake&#34;; not &#34;football&#34;" in page
    assert "https://wire.example.org/world.atom" in page and "by the rules" in page
    assert "wire.example.org" not in routed.get(f"/subjects/{SUBJECT}").text
