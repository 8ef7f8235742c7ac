"""Captured articles are stored compressed (lz4) on PostgreSQL (migration 0010), read back whole."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ingest.sources import DEMO_FEED, DEMO_SUBJECT
from services.capture import ingest_source
from services.figures import figure_history
from tests.conftest import POSTGRES_URL, open_archive, postgres_schema_url


@pytest.fixture
def pg_archive(tmp_path):
    if not POSTGRES_URL:
        pytest.skip("column compression is PostgreSQL's: set RECOUNT_TEST_POSTGRES_URL")
    for url in postgres_schema_url():
        opened = open_archive(url, tmp_path)
        yield opened
        opened.close()


def stored(archive, query: str) -> list[tuple[str, int, int]]:
    with archive.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(query))]


def test_captured_articles_take_less_room_than_their_text_in_the_log_and_the_projection(
    pg_archive,
):
    ingest_source(pg_archive, str(DEMO_FEED), DEMO_SUBJECT)  # the seeds: articles of 3-4 KB
    documents = stored(
        pg_archive,
        "SELECT pg_column_compression(text), pg_column_size(text), octet_length(text)"
        " FROM documents",
    )
    events = stored(
        pg_archive,
        "SELECT pg_column_compression(data), pg_column_size(data), octet_length(data::text)"
        " FROM events WHERE type = 'DocumentCaptured'",
    )
    assert len(documents) == len(events) == 3
    for method, kept, whole in documents + events:
        assert method == "lz4" and kept < whole * 0.8, (method, kept, whole)
    # Below SQL nothing shows: the answers and the log's hashes read the same text.
    page, _ = figure_history(pg_archive, DEMO_SUBJECT, "arrests")
    assert page.current is not None and page.current.value == 10000
