"""Bad input is answered with problem+json and loses nothing already stored."""

from __future__ import annotations

from tests.api.conftest import SUBJECT, archive_of
from tests.api.test_reports_api import REPORTS, report


def snapshot(client):
    archive = archive_of(client)
    return archive.events.head(), [e.event_id for e in archive.events.read()]


MALFORMED = [b"{not json", b'{"metric": "deaths"}', b"[]"]
INVALID = [
    {"reported_at": "last tuesday"},
    {"qualifier": "roughly"},
    {"qualifier": "range", "value": None, "low": 10, "high": 5},
    {"value": -3},
    {"value": 10**30},
    {"quote": "   "},
    {"status": "rumoured"},
    {"metric": "Deaths"},
    {"quote": "nul \x00 byte"},
    {"extra": "field"},
]


def test_malformed_bodies_are_422_problems(client, auth):
    # One archive for all cases: each case is cheap, an archive per case is not.
    for body in MALFORMED:
        response = client.post(
            REPORTS, content=body, headers=auth | {"Content-Type": "application/json"}
        )
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
        assert set(response.json()) == {"type", "title", "status", "detail"}


def test_invalid_reports_are_422_and_append_nothing(client, auth):
    before = snapshot(client)
    for changes in INVALID:
        response = client.post(REPORTS, json=report(**changes), headers=auth)
        assert response.status_code == 422, (changes, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert snapshot(client) == before


def test_a_body_over_one_megabyte_is_413_and_appends_nothing(client, auth):
    before = snapshot(client)
    big = report(quote="x" * (1024 * 1024 + 10))
    response = client.post(REPORTS, json=big, headers=auth)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 413
    assert snapshot(client) == before


def test_a_chunked_body_over_one_megabyte_is_413(client, auth):
    def chunks():
        for _ in range(20):
            yield b"x" * 65536

    response = client.post(
        REPORTS, content=chunks(), headers=auth | {"Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_bad_subject_slug_is_refused_and_nothing_is_lost(client, auth):
    before = snapshot(client)
    response = client.post("/v1/subjects/Not%20A%20Slug/reports", json=report(), headers=auth)
    assert response.status_code == 422
    assert snapshot(client) == before


def test_a_storm_of_bad_requests_loses_nothing_already_stored(client, auth):
    before = snapshot(client)
    figures_before = client.get(
        f"/v1/subjects/{SUBJECT}/figures", params={"at_position": 14}
    ).content
    for body in (b"{", b"null", b'{"metric": 1}', b"x" * 2_000_000):
        client.post(REPORTS, content=body, headers=auth | {"Content-Type": "application/json"})
    client.post(REPORTS, json=report(), headers={"Authorization": "Bearer nope"})
    client.post("/v1/reports/unknown/retraction", json={"reason": ""}, headers=auth)
    client.get(f"/v1/subjects/{SUBJECT}/figures", params={"as_of": "2022-99-99"})
    assert snapshot(client) == before
    assert (
        client.get(f"/v1/subjects/{SUBJECT}/figures", params={"at_position": 14}).content
        == figures_before
    )
