"""The figures API: as-of views, permalinks that never change, conditional GETs and CSV."""

from __future__ import annotations

import csv
import io

from tests.api.conftest import SUBJECT, archive_of

FIGURES = f"/v1/subjects/{SUBJECT}/figures"


def current(body, metric):
    return next(f["current"]["value"] for f in body["figures"] if f["metric"] == metric)


def test_subjects_lists_the_demo_subject_and_its_metrics(client):
    response = client.get("/v1/subjects")
    assert response.status_code == 200
    assert response.json()[0]["subject"] == SUBJECT
    assert response.json()[0]["metrics"] == ["arrests", "deaths", "troops"]


def test_as_of_moves_the_current_arrests_figure_back_to_9900(client):
    now = client.get(FIGURES)
    then = client.get(FIGURES, params={"as_of": "2022-01-11"})
    assert (now.status_code, then.status_code) == (200, 200)
    assert current(now.json(), "arrests") == 10000
    assert current(then.json(), "arrests") == 9900
    assert current(then.json(), "deaths") == 160
    assert then.json()["as_of"] == "2022-01-11T23:59:59.999999Z"
    assert then.json()["position"] == archive_of(client).events.head() == 14


def test_known_at_before_anything_was_recorded_shows_no_current_value(client):
    response = client.get(f"{FIGURES}/deaths", params={"known_at": "2000-01-01"})
    assert response.status_code == 200
    assert response.json()["current"] is None and response.json()["reports"] == []
    assert "at_position=0" in response.json()["permalink"]


def test_permalink_returns_the_same_bytes_after_the_log_grows(client, auth):
    first = client.get(FIGURES, params={"as_of": "2022-01-11"})
    permalink = first.json()["permalink"]
    assert first.headers["link"] == f'<{permalink}>; rel="canonical"'
    pinned = client.get(permalink)
    assert pinned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert pinned.json()["permalink"] == permalink
    posted = client.post(f"/v1/subjects/{SUBJECT}/reports", json=_report(), headers=auth)
    assert posted.status_code == 201
    again = client.get(permalink)
    assert again.content == pinned.content and again.headers["etag"] == pinned.headers["etag"]
    assert client.get(FIGURES, params={"as_of": "2022-01-11"}).json()["permalink"] != permalink


def test_if_none_match_gives_304_until_the_log_grows(client, auth):
    first = client.get(FIGURES)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    unchanged = client.get(FIGURES, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    client.post(f"/v1/subjects/{SUBJECT}/reports", json=_report(), headers=auth)
    changed = client.get(FIGURES, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert archive_of(client).events.head() == 15


def test_pinned_view_honours_if_none_match(client):
    pinned = client.get(FIGURES, params={"at_position": 6})
    again = client.get(
        FIGURES, params={"at_position": 6}, headers={"If-None-Match": pinned.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.headers["cache-control"].endswith("immutable")


def test_csv_by_suffix_and_by_accept_has_one_row_per_report(client):
    by_suffix = client.get(f"{FIGURES}/arrests.csv")
    by_accept = client.get(f"{FIGURES}/arrests", headers={"Accept": "text/csv"})
    assert by_suffix.status_code == by_accept.status_code == 200
    assert by_suffix.headers["content-type"] == "text/csv; charset=utf-8"
    assert by_suffix.content == by_accept.content
    rows = list(csv.DictReader(io.StringIO(by_suffix.text)))
    assert [r["value"] for r in rows] == ["10000", "10000", "10000", "9900", "10000"]
    assert [r["current"] for r in rows] == ["false"] * 4 + ["true"]
    assert rows[0]["source_url"].startswith("https://") and "arrested" in rows[0]["quote"]
    whole = list(csv.DictReader(io.StringIO(client.get(f"{FIGURES}.csv").text)))
    assert len(whole) == 11 and {r["metric"] for r in whole} == {"arrests", "deaths", "troops"}


def test_unknown_subject_and_metric_are_404_problems(client):
    for url in ("/v1/subjects/nowhere/figures", f"{FIGURES}/unicorns", f"{FIGURES}/unicorns.csv"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 404


def test_malformed_time_and_position_are_422_problems(client):
    for params in (
        {"as_of": "yesterday"},
        {"known_at": "2022-13-01"},
        {"at_position": 999},
        {"at_position": -1},
    ):
        response = client.get(FIGURES, params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["title"] in {"InvalidTime", "InvalidInput"}
    assert archive_of(client).events.head() == 14


def _report():
    return {
        "metric": "deaths",
        "value": 164,
        "qualifier": "at_least",
        "quote": "at least 164 people were killed",
        "reported_at": "2022-01-15T10:00:00Z",
        "source": {"url": "https://example.org/a", "title": "A", "publisher": "Example"},
    }


def test_extracted_reports_carry_a_confidence_and_hand_made_ones_none(client, auth):
    posted = client.post(f"/v1/subjects/{SUBJECT}/reports", json=_report(), headers=auth)
    assert posted.status_code == 201
    reports = client.get(f"{FIGURES}/deaths").json()["reports"]
    by_hand = [r for r in reports if r["source"]["url"] == "https://example.org/a"]
    extracted = [r for r in reports if r["source"]["url"] != "https://example.org/a"]
    assert by_hand and by_hand[0]["confidence"] is None
    assert extracted and all(0 < r["confidence"] <= 1 for r in extracted)


def test_a_figures_reports_come_in_pages_that_add_up_to_the_csv(client):
    first = client.get(f"{FIGURES}/arrests", params={"limit": 2})
    assert first.status_code == 200
    body = first.json()
    assert [r["value"] for r in body["reports"]] == [10000, 10000]
    assert (body["reports_total"], body["reports_remaining"]) == (5, 3)
    assert body["permalink"].endswith("at_position=14&limit=2")
    seen = [r["report_id"] for r in body["reports"]]
    pages = 1
    while body["reports_next"] is not None:
        # the next page asked of the permalink, so a growing log cannot shift it
        body = client.get(
            body["permalink"], params={"reports_after": body["reports_next"], "limit": 2}
        ).json()
        seen += [r["report_id"] for r in body["reports"]]
        pages += 1
    assert pages == 3 and body["reports_remaining"] == 0
    rows = list(csv.DictReader(io.StringIO(client.get(f"{FIGURES}/arrests.csv").text)))
    assert seen == [r["report_id"] for r in rows]
    assert body["current"]["value"] == 10000
    assert [r["value"] for r in body["revisions"]] == [10000, 9900, 10000]


def test_a_subject_answer_carries_current_and_revisions_not_reports(client):
    body = client.get(FIGURES).json()
    arrests = next(f for f in body["figures"] if f["metric"] == "arrests")
    assert "reports" not in arrests and arrests["reports_total"] == 5
    assert [r["value"] for r in arrests["revisions"]] == [10000, 9900, 10000]
    assert arrests["revisions_total"] == 3
    latest = client.get(FIGURES, params={"revisions_limit": 1}).json()
    arrests = next(f for f in latest["figures"] if f["metric"] == "arrests")
    assert [r["value"] for r in arrests["revisions"]] == [10000]
    assert arrests["revisions_total"] == 3
    assert latest["permalink"].endswith("&revisions_limit=1")


def test_a_pinned_page_keeps_its_bytes_and_a_bad_cursor_is_a_422_problem(client, auth):
    pinned = client.get(f"{FIGURES}/deaths", params={"at_position": 14, "limit": 1})
    following = pinned.json()["reports_next"]
    page = client.get(
        f"{FIGURES}/deaths", params={"at_position": 14, "limit": 1, "reports_after": following}
    )
    assert page.status_code == 200 and page.json()["reports"][0]["position"] > 1
    client.post(f"/v1/subjects/{SUBJECT}/reports", json=_report(), headers=auth)
    again = client.get(page.json()["permalink"])
    assert again.content == page.content and again.headers["etag"] == page.headers["etag"]
    for params in ({"reports_after": "bm9wZQ"}, {"limit": 0}, {"limit": 501}):
        bad = client.get(f"{FIGURES}/deaths", params=params)
        assert bad.status_code == 422, params
        assert bad.headers["content-type"] == "application/problem+json"


def test_a_pinned_csv_download_is_streamed_and_answers_if_none_match(client):
    pinned = client.get(f"{FIGURES}/arrests.csv", params={"at_position": 14})
    assert pinned.status_code == 200 and pinned.text.count("\r\n") == 6
    assert pinned.headers["cache-control"].endswith("immutable")
    again = client.get(
        f"{FIGURES}/arrests.csv",
        params={"at_position": 14},
        headers={"If-None-Match": pinned.headers["etag"]},
    )
    assert again.status_code == 304
