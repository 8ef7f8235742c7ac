"""Where reads go: the replica when it holds what the request names, else the primary in time."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from domain.errors import InvalidInput
from domain.events import FeedAdded, PendingEvent
from services.archive import Archive
from services.replica import Reads
from services.settings import Settings
from tests.conftest import open_archive

WAIT = 0.3


def add_feed(archive: Archive, n: int) -> None:
    added = FeedAdded(
        feed_id=f"f{n}", url="https://example.org/a.atom", subject="s", interval_seconds=900
    )
    archive.events.append([PendingEvent(added, 0)])


@pytest.fixture
def reads(tmp_path: Path):
    """A primary at position 5 and a copy of it taken at position 3, standing for a replica."""
    primary = open_archive(f"sqlite:///{tmp_path / 'primary.db'}", tmp_path)
    for n in range(3):
        add_feed(primary, n)
    primary.close()
    shutil.copy(tmp_path / "primary.db", tmp_path / "replica.db")
    primary = open_archive(f"sqlite:///{tmp_path / 'primary.db'}", tmp_path)
    for n in range(3, 5):
        add_feed(primary, n)
    replica = Archive.open(Settings(database_url=f"sqlite:///{tmp_path / 'replica.db'}"))
    yield Reads(primary, replica, WAIT)
    replica.close()
    primary.close()


def test_a_read_that_names_no_position_or_one_the_replica_holds_goes_to_the_replica(reads):
    assert reads.at_least(None) is reads.replica
    assert reads.at_least(3) is reads.replica


def test_a_position_only_the_primary_holds_is_waited_for_then_read_from_the_primary(reads):
    began = time.monotonic()
    assert reads.at_least(4) is reads.primary
    assert time.monotonic() - began >= WAIT


def test_a_position_beyond_the_log_is_answered_by_the_primary_at_once(reads):
    began = time.monotonic()
    assert reads.at_least(6) is reads.primary
    assert time.monotonic() - began < WAIT


def test_the_lag_counts_the_events_the_replica_lacks_and_the_age_of_the_first(reads):
    lag = reads.lag()
    assert lag is not None and lag.positions == 2 and lag.seconds >= 0
    add_feed(reads.replica, 3)  # the replica catches up (here: the same event, appended)
    add_feed(reads.replica, 4)
    assert reads.lag().positions == 0


def test_without_a_replica_every_read_goes_to_the_primary(reads):
    alone = Reads(reads.primary)
    assert alone.at_least(None) is alone.at_least(4) is reads.primary
    assert alone.lag() is None


def test_the_replica_settings_are_read_from_the_environment_and_a_bad_one_is_named(monkeypatch):
    monkeypatch.setenv("RECOUNT_READ_DATABASE_URL", "postgresql+psycopg://r@replica/recount")
    monkeypatch.setenv("RECOUNT_READ_WAIT", "0.25")
    settings = Settings.from_env()
    assert settings.read_database_url == "postgresql+psycopg://r@replica/recount"
    assert (settings.read_wait_seconds, settings.ready_max_lag_seconds) == (0.25, 10.0)
    monkeypatch.setenv("RECOUNT_READY_MAX_LAG", "soon")
    with pytest.raises(InvalidInput, match="RECOUNT_READY_MAX_LAG must be a number of seconds"):
        Settings.from_env()
