"""Operations: liveness, readiness, Prometheus metrics, and the position every write returns."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from domain.events import FeedAdded, PendingEvent
from store.health import head_revision
from tests.api.conftest import SUBJECT, archive_of, settings_for
from tests.api.test_reports_api import REPORTS, report

HEAD = head_revision()


def samples(client: TestClient) -> dict[str, float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    lines = [line for line in answer.text.splitlines() if line and not line.startswith("#")]
    return {name: float(value) for name, value in (line.rsplit(" ", 1) for line in lines)}


def test_a_ready_process_names_what_it_checked(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"primary": f"schema at {HEAD}"}}


def test_a_database_recount_init_never_saw_is_not_ready_but_the_process_is_alive(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'never-migrated.db'}"
    with TestClient(create_app(settings_for(url, tmp_path))) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz", headers={"Accept": "text/html"})  # a person, even
        assert ready.status_code == 503
        assert ready.headers["content-type"] == "application/problem+json"
        assert ready.json()["detail"] == (
            f"primary: schema at nothing, the code needs {HEAD}: run `recount init`"
        )


def test_metrics_count_appends_answers_and_feeds_and_name_the_log_head(client, auth):
    before = samples(client)
    assert before["recount_log_head"] == 14  # the demo feed
    assert before["recount_appends_total"] == 0  # appended by another process (the loader)
    assert "recount_replica_lag_seconds" not in before  # no replica configured
    client.post(REPORTS, json=report(), headers=auth)
    client.get(f"/v1/subjects/{SUBJECT}/figures/deaths", params={"as_of": "2022-01-12"})
    client.get(f"/v1/subjects/{SUBJECT}/figures")
    after = samples(client)
    assert after["recount_log_head"] == 15
    assert after["recount_appends_total"] == 1
    assert after['recount_figure_answer_seconds_count{view="figure"}'] == 1
    assert after['recount_figure_answer_seconds_count{view="subject"}'] == 1


def test_a_failed_append_is_not_counted(client, auth):
    conflict = client.post(REPORTS, json=report(), headers=auth | {"If-Match": '"1"'})
    assert conflict.status_code == 409
    assert samples(client)["recount_appends_total"] == 0


def test_each_write_answers_with_the_position_a_read_may_ask_for(client, auth):
    wrote = client.post(REPORTS, json=report(), headers=auth)
    assert wrote.headers["Recount-Position"] == "15" == str(wrote.json()["position"])
    read = client.get(f"/v1/subjects/{SUBJECT}/figures/deaths", headers={"Recount-Position": "15"})
    assert read.json()["current"]["value"] == 164
    refused = client.post(REPORTS, json=report(value="many"), headers=auth)
    assert refused.status_code == 422 and "Recount-Position" not in refused.headers
    assert "Recount-Position" not in read.headers


def test_a_position_that_is_not_a_number_is_refused(client):
    answer = client.get(f"/v1/subjects/{SUBJECT}/figures", headers={"Recount-Position": "x"})
    assert answer.status_code == 422
    assert "recount-position" in answer.json()["detail"]


def test_feeds_are_counted_by_the_result_of_their_last_poll(client):
    assert not any(name.startswith("recount_feeds_last_poll") for name in samples(client))
    added = FeedAdded(
        feed_id="f1", url="https://example.org/a.atom", subject=SUBJECT, interval_seconds=900
    )
    archive_of(client).events.append([PendingEvent(added, 0)])
    assert samples(client)['recount_feeds_last_poll{result="never"}'] == 1
