"""Writes: a hand-typed report or a retraction lands in the log once, with its actor."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from services.subjects import merge_subjects, rename_subject
from services.tokens import create_token, revoke_token
from tests.api.conftest import SUBJECT, archive_of

REPORTS = f"/v1/subjects/{SUBJECT}/reports"


def report(**changes):
    body = {
        "metric": "deaths",
        "value": 164,
        "qualifier": "at_least",
        "quote": "at least 164 people were killed",
        "reported_at": "2022-01-15T10:00:00Z",
        "unit": "people",
        "source": {"url": "https://example.org/a", "title": "A", "publisher": "Example"},
    }
    return body | changes


def events_after(client, position):
    return list(archive_of(client).events.read(after=position))


def test_posted_report_is_appended_and_becomes_current(client, auth):
    response = client.post(REPORTS, json=report(), headers=auth)
    assert response.status_code == 201
    body = response.json()
    assert (body["position"], body["type"], body["version"]) == (15, "FigureReported", 4)
    assert body["stream_id"] == f"figure:{SUBJECT}/deaths"
    assert body["metadata"] == {"actor": "desk", "via": "http"}
    assert body["data"]["reported_at_basis"] == "given"
    [event] = events_after(client, 14)
    assert event.event_id == body["event_id"] and event.data["value"] == 164
    figure = client.get(f"/v1/subjects/{SUBJECT}/figures/deaths").json()
    assert figure["current"]["value"] == 164
    assert [r["value"] for r in figure["revisions"]] == [160, 164]


def test_retried_post_with_idempotency_key_appends_once(client, auth):
    headers = auth | {"Idempotency-Key": "desk-2022-01-15-1"}
    first = client.post(REPORTS, json=report(), headers=headers)
    second = client.post(REPORTS, json=report(), headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert len(events_after(client, 14)) == 1
    other = client.post(REPORTS, json=report(value=170), headers=headers)
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert len(events_after(client, 14)) == 1


def test_if_match_with_a_stale_stream_version_is_a_409_and_appends_nothing(client, auth):
    stale = client.post(REPORTS, json=report(), headers=auth | {"If-Match": '"2"'})
    assert stale.status_code == 409
    assert stale.json()["title"] == "StreamConflict"
    assert events_after(client, 14) == []
    fresh = client.post(REPORTS, json=report(), headers=auth | {"If-Match": '"3"'})
    assert fresh.status_code == 201 and fresh.json()["version"] == 4


def test_vague_report_by_hand_is_kept_but_never_current(client, auth):
    response = client.post(REPORTS, json=report(value=None, qualifier="hundreds"), headers=auth)
    assert response.status_code == 201
    assert (response.json()["data"]["low"], response.json()["data"]["high"]) == (200, 999)
    figure = client.get(f"/v1/subjects/{SUBJECT}/figures/deaths").json()
    assert figure["current"]["value"] == 160 and figure["reports"][-1]["qualifier"] == "hundreds"


def test_retraction_is_appended_once_and_a_second_is_409(client):
    auth = {"Authorization": f"Bearer {create_token(archive_of(client), 'chief', 'editor')}"}
    deaths = client.get(f"/v1/subjects/{SUBJECT}/figures/deaths").json()
    report_id = deaths["current"]["report_id"]
    first = client.post(
        f"/v1/reports/{report_id}/retraction", json={"reason": "misread"}, headers=auth
    )
    assert first.status_code == 201
    assert first.json()["type"] == "ReportRetracted" and first.json()["data"]["reason"] == "misread"
    again = client.post(
        f"/v1/reports/{report_id}/retraction", json={"reason": "again"}, headers=auth
    )
    assert again.status_code == 409 and again.json()["title"] == "AlreadyRetracted"
    assert [e.type for e in events_after(client, 14)] == ["ReportRetracted"]
    after = client.get(f"/v1/subjects/{SUBJECT}/figures/deaths").json()
    assert any(r["status"] == "retracted" for r in after["reports"])


def test_retracting_an_unknown_report_is_404(client, auth):
    response = client.post("/v1/reports/nope/retraction", json={"reason": "x"}, headers=auth)
    assert response.status_code == 404
    assert events_after(client, 14) == []


def test_writes_without_a_valid_token_are_refused_with_401(client):
    for headers in ({}, {"Authorization": "Bearer rct_wrong"}, {"Authorization": "Basic eDp5"}):
        response = client.post(REPORTS, json=report(), headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"
    assert events_after(client, 14) == []


def test_revoked_token_is_refused_at_once_with_403(client, auth):
    assert client.post(REPORTS, json=report(), headers=auth).status_code == 201
    revoke_token(archive_of(client), "desk")
    refused = client.post(REPORTS, json=report(value=170), headers=auth)
    assert refused.status_code == 403 and refused.json()["title"] == "Forbidden"
    assert len(events_after(client, 14)) == 1


def test_a_rename_or_merge_made_elsewhere_takes_effect_for_the_very_next_write(client, auth):
    assert client.post(REPORTS, json=report(), headers=auth).json()["data"]["subject"] == SUBJECT
    rename_subject(archive_of(client), SUBJECT, "kazakhstan-2022")  # as the CLI would
    moved = client.post(REPORTS, json=report(value=170), headers=auth).json()
    assert moved["data"]["subject"] == "kazakhstan-2022"
    assert moved["stream_id"] == "figure:kazakhstan-2022/deaths"
    other = "almaty-2022"
    assert client.post(f"/v1/subjects/{other}/reports", json=report(), headers=auth).json()
    merge_subjects(archive_of(client), other, "kazakhstan-2022")
    merged = client.post(f"/v1/subjects/{other}/reports", json=report(value=180), headers=auth)
    assert merged.json()["data"]["subject"] == "kazakhstan-2022"


def test_a_token_revoked_between_two_writes_refuses_the_second_over_every_write_route(client, auth):
    assert client.post(REPORTS, json=report(), headers=auth).status_code == 201
    revoke_token(archive_of(client), "desk")
    refused = client.post(REPORTS, json=report(value=170), headers=auth)
    retraction = client.post(
        f"/v1/reports/{events_after(client, 14)[0].data['report_id']}/retraction",
        json={"reason": "typo"},
        headers=auth,
    )
    assert (refused.status_code, retraction.status_code) == (403, 403)
    assert len(events_after(client, 14)) == 1


def test_concurrent_writes_each_answer_with_their_own_position(client, auth):
    def write(n: int) -> tuple[str, int]:
        body = report(metric=f"m{n % 4}", value=100 + n)
        answer = client.post(f"/v1/subjects/writer-{n % 8}/reports", json=body, headers=auth)
        assert answer.status_code == 201
        return answer.headers["Recount-Position"], answer.json()["position"]

    with ThreadPoolExecutor(8) as pool:
        answered = list(pool.map(write, range(64)))
    assert all(header == str(position) for header, position in answered)
    assert sorted(position for _, position in answered) == list(range(15, 15 + 64))
