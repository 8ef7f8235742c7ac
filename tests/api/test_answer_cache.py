"""Kept answers: a repeated GET costs no query, and any append retires what was kept."""

from __future__ import annotations

from sqlalchemy import event

from tests.api.conftest import SUBJECT, archive_of
from tests.conftest import open_archive
from tests.store.builders import pending, reported

DEATHS = f"/v1/subjects/{SUBJECT}/figures/deaths"


def statements_during(client, request):
    """What the app's engine did while answering `request()`: the statements SQLAlchemy ran
    and each connection taken from the pool (the figure route reads on the driver itself)."""
    seen = []
    engine = archive_of(client).engine

    def record(_connection, _cursor, statement, *_args):
        seen.append(statement)

    def checkout(*_args):
        seen.append("a connection from the pool")

    event.listen(engine, "before_cursor_execute", record)
    event.listen(engine, "checkout", checkout)
    try:
        response = request()
    finally:
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine, "checkout", checkout)
    return response, seen


def test_a_repeated_answer_comes_back_whole_without_a_query(client):
    first, queried = statements_during(client, lambda: client.get(DEATHS, params={"limit": 2}))
    again, none = statements_during(client, lambda: client.get(DEATHS, params={"limit": 2}))
    assert first.status_code == again.status_code == 200 and queried
    assert none == [], none
    assert again.content == first.content
    assert again.headers == first.headers  # ETag, Link, caching and the security headers


def test_an_append_by_another_writer_retires_the_kept_answer(client, database_url, tmp_path):
    before = client.get(DEATHS)
    assert before.json()["current"]["value"] != 4321
    other = open_archive(database_url, tmp_path)  # another process's writer, in effect
    try:
        other.events.append([pending(reported(4321, day=28, subject=SUBJECT))])
    finally:
        other.close()
    after = client.get(DEATHS)
    assert after.json()["current"]["value"] == 4321
    assert after.headers["etag"] != before.headers["etag"]


def test_a_kept_answer_is_never_given_for_another_format_or_a_revalidation(client):
    as_json = client.get(DEATHS)
    as_csv = client.get(DEATHS, headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.splitlines()[0].startswith("subject,")
    revalidated = client.get(DEATHS, headers={"If-None-Match": as_json.headers["etag"]})
    assert revalidated.status_code == 304
