"""HTTP reads times by the domain's one rule: refusals are 422 problems naming the accepted
forms and change nothing; an optional time left empty is no bound at all."""

from __future__ import annotations

import pytest

from tests.api.conftest import SUBJECT, archive_of
from tests.api.test_reports_api import REPORTS, report

# 60,000 digits: a client's own cap on a query string is 64 KiB; a body carries 100,000.
REFUSED = ["20220111", "2022011199", "7" * 60_000, "2022-01-11T18:00:00", "2022-02-30"]
READS = [
    f"/v1/subjects/{SUBJECT}/figures",
    f"/v1/subjects/{SUBJECT}/figures/arrests",
    f"/v1/subjects/{SUBJECT}/figures.csv",
    f"/subjects/{SUBJECT}",
    f"/subjects/{SUBJECT}/arrests",
]


def state(client):
    pinned = client.get(f"/v1/subjects/{SUBJECT}/figures", params={"at_position": 14})
    return archive_of(client).events.head(), pinned.content


def assert_refused_with_the_forms(response):
    assert response.status_code == 422, response.text[:200]
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert "RFC 3339" in detail and "2022-01-11 (the end of that day, UTC)" in detail
    assert len(detail) < 400


@pytest.mark.parametrize("text", REFUSED, ids=lambda t: t[:20])
def test_a_time_outside_the_rule_is_a_422_naming_the_forms(client, text):
    before = state(client)
    for path in READS:
        for name in ("as_of", "known_at"):
            if name == "known_at" and not path.startswith("/v1"):
                continue
            assert_refused_with_the_forms(client.get(path, params={name: text}))
    assert state(client) == before


@pytest.mark.parametrize("text", [*REFUSED, "7" * 100_000, ""], ids=lambda t: t[:20] or "empty")
def test_a_report_dated_outside_the_rule_is_refused_and_appends_nothing(client, auth, text):
    before = state(client)
    response = client.post(REPORTS, json=report(reported_at=text), headers=auth)
    assert_refused_with_the_forms(response)
    assert state(client) == before


@pytest.mark.parametrize("path", READS)
def test_an_empty_optional_time_is_the_same_as_none(client, path):
    absent = client.get(path)
    for name in ("as_of", "known_at") if path.startswith("/v1") else ("as_of",):
        empty = client.get(path, params={name: ""})
        assert empty.status_code == 200, empty.text
        assert empty.content == absent.content


def test_a_date_means_the_end_of_that_day_and_the_compact_form_no_longer_means_midnight(client):
    by_date = client.get(f"/v1/subjects/{SUBJECT}/figures/arrests", params={"as_of": "2022-01-11"})
    assert by_date.json()["current"]["value"] == 9900
    compact = client.get(f"/v1/subjects/{SUBJECT}/figures/arrests", params={"as_of": "20220111"})
    assert compact.status_code == 422
