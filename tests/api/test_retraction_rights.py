"""Who may retract what: a writer token its own reports, an editor token any; refusals append
nothing, and every write names the token that made it."""

from __future__ import annotations

from services.tokens import create_token
from tests.api.conftest import SUBJECT, archive_of
from tests.api.test_reports_api import REPORTS, report


def bearer(client, name: str, role: str = "writer") -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(archive_of(client), name, role)}"}


def retract(client, report_id: str, auth: dict[str, str]):
    url = f"/v1/reports/{report_id}/retraction"
    return client.post(url, json={"reason": "misread"}, headers=auth)


def figure(client):
    return client.get(f"/v1/subjects/{SUBJECT}/figures/deaths?limit=500").json()


def test_writer_retracts_its_own_report_and_is_named_on_both_events(client):
    alice = bearer(client, "alice")
    entered = client.post(REPORTS, json=report(value=170), headers=alice).json()
    assert entered["metadata"]["actor"] == "alice"
    response = retract(client, entered["data"]["report_id"], alice)
    assert response.status_code == 201, response.text
    assert response.json()["metadata"] == {"actor": "alice", "via": "http"}
    assert figure(client)["current"]["value"] != 170


def test_writer_may_not_retract_another_tokens_report(client):
    alice, bob = bearer(client, "alice"), bearer(client, "bob")
    entered = client.post(REPORTS, json=report(value=170), headers=alice).json()
    head, before = archive_of(client).events.head(), figure(client)
    response = retract(client, entered["data"]["report_id"], bob)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "'bob' is a writer" in response.json()["detail"]
    assert "'alice'" in response.json()["detail"]
    assert archive_of(client).events.head() == head
    assert figure(client) == before and before["current"]["value"] == 170


def test_writer_may_not_retract_an_extracted_report(client):
    extracted = figure(client)["current"]["report_id"]
    head = archive_of(client).events.head()
    response = retract(client, extracted, bearer(client, "alice"))
    assert response.status_code == 403 and "the extractor" in response.json()["detail"]
    assert archive_of(client).events.head() == head
    assert figure(client)["current"]["report_id"] == extracted


def test_editor_retracts_any_report_and_is_named_as_the_actor(client):
    alice, chief = bearer(client, "alice"), bearer(client, "chief", "editor")
    entered = client.post(REPORTS, json=report(value=170), headers=alice).json()
    extracted = figure(client)["reports"][0]["report_id"]
    for report_id in (entered["data"]["report_id"], extracted):
        response = retract(client, report_id, chief)
        assert response.status_code == 201, response.text
        assert response.json()["metadata"]["actor"] == "chief"
    statuses = {r["report_id"]: r["status"] for r in figure(client)["reports"]}
    assert statuses[entered["data"]["report_id"]] == statuses[extracted] == "retracted"


def test_a_token_named_like_the_extractor_gains_nothing(client):
    extracted = figure(client)["current"]["report_id"]
    response = retract(client, extracted, bearer(client, "ingest"))
    assert response.status_code == 403
