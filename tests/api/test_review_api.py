"""The review desk over HTTP: the queue, confirmations and corrections, and the refusals that
append nothing."""

from __future__ import annotations

from services.tokens import create_token
from tests.api.conftest import SUBJECT, archive_of

TROOPS = f"/v1/subjects/{SUBJECT}/figures/troops?limit=500"


def editor(client, name: str = "desk-a") -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(archive_of(client), name, 'editor')}"}


def troop_report(client) -> dict:
    """The extracted reading of "sent 2,030 soldiers to Kazakhstan"."""
    reports = client.get(TROOPS).json()["reports"]
    return next(r for r in reports if r["value"] == 2030)


def test_queue_lists_undecided_readings_least_sure_first_with_the_number_marked(client):
    response = client.get("/v1/review", params={"subject": SUBJECT, "limit": 500})
    assert response.status_code == 200
    answer = response.json()
    items = answer["items"]
    assert answer["waiting"] == len(items) > 0 and answer["next"] is None
    confidences = [item["confidence"] for item in items]
    assert confidences == sorted(confidences)
    for item in items:
        assert {"report_id", "subject", "metric", "value", "qualifier", "status", "quote"} <= set(
            item
        )
        assert item["review"]["state"] == "unreviewed"
    troops = next(i for i in items if i["metric"] == "troops" and i["value"] == 2030)
    start, end = troops["highlight"]
    assert troops["quote"][start:end] == "2,030"
    assert troops["archived_copy"].startswith("/memento/")


def test_queue_pages_with_a_cursor_and_never_repeats_an_item(client):
    whole = client.get("/v1/review", params={"limit": 500}).json()["items"]
    seen, after = [], None
    while True:
        params = {"limit": 3} | ({"after": after} if after else {})
        page = client.get("/v1/review", params=params).json()
        seen += [item["report_id"] for item in page["items"]]
        after = page["next"]
        if after is None:
            break
    assert seen == [item["report_id"] for item in whole]


def test_confirmation_is_named_on_the_report_and_leaves_the_queue(client):
    troops = troop_report(client)
    response = client.post(
        f"/v1/reports/{troops['report_id']}/confirmation", headers=editor(client)
    )
    assert response.status_code == 201, response.text
    assert response.json()["type"] == "ReportConfirmed"
    assert response.json()["metadata"] == {"actor": "desk-a", "via": "http"}
    review = troop_report(client)["review"]
    assert review["state"] == "confirmed" and review["by"] == "desk-a" and review["at"]
    queued = client.get("/v1/review", params={"limit": 500}).json()["items"]
    assert troops["report_id"] not in {item["report_id"] for item in queued}


def test_correction_takes_the_old_readings_place_and_both_name_each_other(client):
    old = troop_report(client)
    body = {"value": 2300, "qualifier": "exact", "reason": "misread the dispatch"}
    response = client.post(
        f"/v1/reports/{old['report_id']}/correction", json=body, headers=editor(client)
    )
    assert response.status_code == 201, response.text
    event = response.json()
    new_id = event["data"]["correction"]["report_id"]
    reports = {r["report_id"]: r for r in client.get(TROOPS).json()["reports"]}
    assert reports[old["report_id"]]["review"] == {
        "state": "corrected",
        "by": "desk-a",
        "at": reports[old["report_id"]]["review"]["at"],
        "reason": "misread the dispatch",
        "corrects": None,
        "corrected_by": new_id,
    }
    assert reports[old["report_id"]]["status"] == "retracted"
    new = reports[new_id]
    assert new["value"] == 2300 and new["review"]["corrects"] == old["report_id"]
    assert new["review"]["state"] == "entered"
    assert new["quote"] == old["quote"] and new["reported_at"] == old["reported_at"]
    # Before the correction's position, the old reading stands as it was.
    before = client.get(TROOPS, params={"at_position": event["position"] - 1}).json()
    earlier = {r["report_id"]: r for r in before["reports"]}
    assert new_id not in earlier
    assert earlier[old["report_id"]]["review"]["state"] == "unreviewed"
    assert earlier[old["report_id"]]["status"] == "reported"


def _refused(client, url: str, status: int, **kwargs) -> dict:
    head = archive_of(client).events.head()
    response = client.post(url, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert archive_of(client).events.head() == head
    return response.json()


def test_bad_decisions_are_refused_and_append_nothing(client):
    desk = editor(client)
    troops = troop_report(client)
    url = f"/v1/reports/{troops['report_id']}"
    problem = _refused(client, f"{url}/correction", 422, json={"value": 1}, headers=desk)
    assert "reason" in problem["detail"]
    problem = _refused(
        client, f"{url}/correction", 422, json={"value": 2030, "reason": "same"}, headers=desk
    )
    assert "changes nothing" in problem["detail"]
    _refused(client, "/v1/reports/no-such-report/confirmation", 404, headers=desk)
    _refused(client, f"{url}/confirmation", 409, headers=desk | {"If-Match": '"1"'})
    _refused(client, f"{url}/confirmation", 401)
    writer = {"Authorization": f"Bearer {create_token(archive_of(client), 'w')}"}
    _refused(client, f"{url}/confirmation", 403, headers=writer)
    assert client.post(f"{url}/confirmation", headers=desk).status_code == 201
    problem = _refused(client, f"{url}/confirmation", 409, headers=desk)
    assert "confirmed by desk-a" in problem["detail"]
    client.post(f"{url}/retraction", json={"reason": "not a figure"}, headers=desk)
    problem = _refused(
        client, f"{url}/correction", 409, json={"value": 3, "reason": "x"}, headers=desk
    )
    assert "withdrawn" in problem["detail"]


def test_rejection_is_a_retraction_shown_as_rejected(client):
    troops = troop_report(client)
    url = f"/v1/reports/{troops['report_id']}/retraction"
    assert client.post(url, json={"reason": "a date"}, headers=editor(client)).status_code == 201
    review = troop_report(client)["review"]
    assert review["state"] == "rejected" and review["reason"] == "a date"


def test_a_missed_figure_is_added_from_its_article_and_shows_as_entered(client):
    troops = troop_report(client)
    document = troops["source"]["document_id"]
    body = {
        "sentence": troops["quote"],
        "metric": "casualties",
        "value": 2030,
        "qualifier": "exact",
    }
    url = f"/v1/documents/{document}/reports"
    response = client.post(url, json=body, headers=editor(client))
    assert response.status_code == 201, response.text
    added = client.get(f"/v1/subjects/{SUBJECT}/figures/casualties").json()["current"]
    assert added["review"]["state"] == "entered" and added["review"]["by"] == "desk-a"
    assert added["source"] == troops["source"] and added["reported_at"] == troops["reported_at"]
    problem = _refused(
        client, url, 422, json=body | {"sentence": "Not there."}, headers=editor(client, "b")
    )
    assert "not in document" in problem["detail"]
    _refused(client, "/v1/documents/nope/reports", 404, json=body, headers=editor(client, "c"))
