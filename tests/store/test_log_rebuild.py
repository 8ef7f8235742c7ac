"""Migration 0018 rebuilds the log table on SQLite with fewer indexes: nothing is lost on the way.

The log keeps every event as it was, still refuses UPDATE and DELETE, and still refuses a
second event under an idempotency key, whatever writes it; and the way back restores the table
as revision 0001 made it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.conftest import open_archive
from tests.store import migrations
from tests.store.builders import pending, reported

ROWS = "SELECT * FROM events ORDER BY position"
COPY_WITH_KEY = (
    "INSERT INTO events SELECT position + 100, event_id || 'x', stream_id || 'x', version, "
    "type, data, metadata, recorded_at, idempotency_key, leaf_hash FROM events "
    "WHERE idempotency_key = 'k-1'"
)


def rows(archive):
    with archive.engine.connect() as connection:
        return connection.execute(text(ROWS)).all()


def indexes(archive):
    with archive.engine.connect() as connection:
        return connection.execute(
            text("SELECT name FROM sqlite_master WHERE tbl_name = 'events' AND type = 'index'")
        ).scalars()


@pytest.fixture
def old_log(sqlite_url, tmp_path):
    """A SQLite archive migrated up to the revision before 0018, with events in its log."""
    archive = open_archive(sqlite_url, tmp_path)
    migrations.downgrade(archive.engine, "0014")
    archive.events.append([pending(reported(160), key="k-1"), pending(reported(170))])
    archive.events.append([pending(reported(180, metric="arrests"))])
    yield archive
    archive.close()


def test_the_rebuilt_log_keeps_every_event_and_refuses_changes(old_log):
    before = rows(old_log)
    migrations.upgrade(old_log.engine, "head")
    assert rows(old_log) == before and len(before) == 3
    assert sorted(indexes(old_log)) == [
        "ix_events_recorded_at",
        "sqlite_autoindex_events_1",  # the stream and version
        "uq_events_idempotency_key",
    ]
    for statement in ("UPDATE events SET type = 'Tampered'", "DELETE FROM events"):
        with pytest.raises(DBAPIError, match="append-only"):
            with old_log.engine.begin() as connection:
                connection.execute(text(statement))
    with pytest.raises(IntegrityError, match="idempotency_key"):
        with old_log.engine.begin() as connection:
            connection.execute(text(COPY_WITH_KEY))
    assert old_log.events.append([pending(reported(190))]).appended[0].position == 4


def test_the_way_back_restores_the_log_as_first_made(old_log):
    before = rows(old_log)
    migrations.upgrade(old_log.engine, "head")
    migrations.downgrade(old_log.engine, "0014")
    assert rows(old_log) == before
    assert len([n for n in indexes(old_log) if n.startswith("sqlite_autoindex")]) == 3
    with pytest.raises(IntegrityError, match="idempotency_key"):
        with old_log.engine.begin() as connection:
            connection.execute(text(COPY_WITH_KEY))
