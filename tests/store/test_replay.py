"""Replay rebuilds, from the log alone, exactly the tables the appends built: every event type,
in batches that cut through corrections and retractions, on both databases."""

from __future__ import annotations

import gc
import threading
import time
import uuid
import weakref
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.dialects import sqlite

from domain.events import (
    EVENT_TYPES,
    DocumentCaptured,
    DocumentRouted,
    FeedAdded,
    FeedPaused,
    FeedRemoved,
    FeedResumed,
    FigureReported,
    PendingEvent,
    ReadingQueued,
    ReportConfirmed,
    ReportCorrected,
    SubjectDefined,
    SubjectHidden,
    SubjectRenamed,
    SubjectShown,
    SubjectsMerged,
)
from domain.qualifiers import Qualifier
from domain.status import ReportStatus
from services import audit
from services.archive import read_models
from store import replay as replays
from store.projections import Projector
from store.rows import db_time
from store.search import indexed_at_the_end, search
from store.tables import UTCDateTime, events
from tests.conftest import open_archive, postgres_schema_url
from tests.store.builders import SUBJECT, pending, reported, retracted

BY_HAND = {"actor": "desk-a", "via": "cli"}
BY_MACHINE = {"actor": "ingest", "extractor_version": "regex-5"}
FEED = "https://example.org/feed"


def document(n: int, subject: str | None, words: str) -> DocumentCaptured:
    when = datetime(2022, 1, 5, n, tzinfo=UTC)
    return DocumentCaptured(
        document_id=f"doc-{n}",
        subject=subject,
        url=f"https://example.org/{n}",
        title=f"Article {n}",
        content_hash=f"{n:064d}",
        text=words,
        published_at=when if n % 2 else None,
        captured_at=when + timedelta(minutes=5),
        entry_id=f"urn:{n}",
    )


def by(event, metadata) -> PendingEvent:
    return PendingEvent(event, metadata=metadata)


def every_kind_of_event(archive) -> None:
    """A log holding each event type, several kinds of retraction and correction, and figures
    whose current report moves forward, back (retracted) and nowhere (only vague reports)."""
    first, second = reported(160, day=11), reported(1600, day=12)
    vague = reported(None, day=13, qualifier=Qualifier.DOZENS)
    breakdown = reported(40, day=14, subset_of="children", metric="injured")
    earlier = reported(12, day=9, metric="injured", status=ReportStatus.PREVIOUS)
    typed = reported(300, metric="arrests", day=10).model_copy(update={"confidence": None})
    read = reported(310, metric="arrests", day=11).model_copy(update={"confidence": 0.75})
    archive.events.append(
        [
            pending(document(1, SUBJECT, "Police said 160 people died in the clashes")),
            pending(document(2, None, "A general article about the mine")),
            by(first, BY_MACHINE),
            by(second, BY_MACHINE),
            by(vague, BY_MACHINE),
            by(breakdown, BY_MACHINE),
            by(earlier, BY_MACHINE),
            by(typed, BY_HAND),
            by(read, BY_MACHINE),
            by(retracted(second, "misread"), BY_MACHINE),  # the same append as its report
            by(retracted(second, "again"), BY_HAND),  # only the first counts
            by(retracted(reported(5), "not in the log"), BY_MACHINE),
        ]
    )
    corrected = reported(170, day=12).model_copy(update={"report_id": str(uuid.uuid4())})
    archive.events.append(
        [
            by(
                ReportConfirmed(report_id=first.report_id, subject=SUBJECT, metric="deaths"),
                BY_HAND,
            ),
            by(
                ReportCorrected(
                    report_id=read.report_id,
                    subject=SUBJECT,
                    metric="arrests",
                    reason="misread",
                    correction=corrected,
                ),
                BY_HAND,
            ),
            by(
                ReadingQueued(
                    report_id=first.report_id,
                    subject=SUBJECT,
                    metric="deaths",
                    reading=reported(16, day=11),
                ),
                BY_MACHINE,
            ),
            by(retracted(first, "the desk withdrew it"), BY_HAND),  # a stored report
            pending(document(1, SUBJECT, "Police now say 170 people died in the clashes")),
            pending(
                DocumentRouted(document_id="doc-2", version=1, content_hash="0", subject="mine")
            ),
        ]
    )
    archive.events.append(
        [
            pending(FeedAdded(feed_id="f1", url=FEED, subject=None, interval_seconds=600)),
            pending(FeedPaused(feed_id="f1")),
            pending(FeedResumed(feed_id="f1")),
            pending(FeedAdded(feed_id="f2", url=FEED, subject="mine", interval_seconds=60)),
            pending(FeedRemoved(feed_id="f2")),
            pending(SubjectDefined(subject="mine", title="The mine", description="A collapse")),
            pending(SubjectDefined(subject="old-name", title="Old")),
            pending(SubjectRenamed(subject="old-name", new_subject="new-name")),
            pending(SubjectsMerged(subject="new-name", into="mine")),
            pending(SubjectHidden(subject="mine")),
            pending(SubjectShown(subject="mine")),
        ]
    )  # fmt: skip
    audit.make_checkpoint(archive)
    audit.rotate_signing_key(archive)  # SigningKeyRotated


def read_model_rows(archive) -> dict[str, list[tuple]]:
    tables = [table for projector in read_models() for table in projector.tables]
    with archive.engine.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(select(table))), key=repr)
            for table in tables
        }


@pytest.mark.parametrize("batch", [3, 5000])
def test_replay_rebuilds_every_read_model_from_a_log_of_every_event_type(
    archive, batch, monkeypatch
):
    monkeypatch.setattr(replays, "BATCH", batch)  # 3: batches cut through each append
    every_kind_of_event(archive)
    with archive.engine.connect() as connection:
        kinds = set(connection.execute(select(events.c.type)).scalars())
    assert kinds == set(EVENT_TYPES)
    built = read_model_rows(archive)
    assert built["reports"] and built["figures"] and built["review_decisions"]

    assert audit.replay_check(archive) is None
    assert audit.replay(archive) == archive.events.head()
    assert read_model_rows(archive) == built
    assert audit.replay_check(archive) is None


class _WrittenBeforeItsFields(FigureReported):
    """A report as an older version wrote it: without the fields added since (the model's
    defaults fill them in), its time with an offset instead of the log's "Z"."""

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()
        del data["approximate"], data["reported_at_basis"]
        data["reported_at"] = data["reported_at"].replace("Z", "+00:00")
        return data


def test_replay_reads_data_written_before_its_fields_existed_as_the_appends_did(archive):
    older = _WrittenBeforeItsFields(**reported(40, day=12).model_dump())
    archive.events.append([pending(reported(30, day=10)), pending(older)])
    archive.events.append([pending(retracted(older, "misread")), pending(reported(50, day=13))])
    with archive.engine.connect() as connection:
        stored = connection.execute(select(events.c.data).where(events.c.position == 2)).scalar()
    assert "approximate" not in stored and stored["reported_at"].endswith("+00:00")
    built = read_model_rows(archive)

    assert audit.replay(archive) == 4
    assert read_model_rows(archive) == built
    assert audit.replay_check(archive) is None


def test_an_import_builds_the_read_models_the_appends_built(tmp_path, archive):
    """From a SQLite source into each database: every table and the search index."""
    source = open_archive(f"sqlite:///{tmp_path / 'source.db'}", tmp_path / "source")
    every_kind_of_event(source)
    audit.export(source, tmp_path / "export")
    audit.import_export(archive, tmp_path / "export", batch=4)
    assert read_model_rows(archive) == read_model_rows(source)
    assert search(archive.engine, "people died") == search(source.engine, "people died")
    source.close()


PLANNER_STATISTICS = text(
    "SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema() "
    "AND tablename IN ('events', 'reports', 'figures') ORDER BY tablename"
)


def test_a_replay_and_an_import_leave_postgresql_statistics_for_the_planner(tmp_path, archive):
    """Without them the planner answered a figure of a freshly rebuilt archive through the
    wrong index, reading its whole history, until autovacuum came by."""
    if archive.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    every_kind_of_event(archive)
    audit.replay(archive)
    with archive.engine.connect() as connection:
        assert connection.execute(PLANNER_STATISTICS).scalars().all() == ["figures", "reports"]
    audit.export(archive, tmp_path / "export")
    schema = postgres_schema_url()
    target = open_archive(next(schema), tmp_path / "to")
    try:
        audit.import_export(target, tmp_path / "export")
        with target.engine.connect() as connection:
            found = connection.execute(PLANNER_STATISTICS).scalars().all()
        assert found == ["events", "figures", "reports"]
    finally:
        target.close()
        schema.close()  # drops it


def test_search_finds_the_words_of_the_latest_version_after_a_replay(archive):
    every_kind_of_event(archive)
    before = search(archive.engine, "people died")
    audit.replay(archive)
    after = search(archive.engine, "people died")
    assert [(d.document_id, d.version) for d in after.documents] == [("doc-1", 2)]
    assert after == before
    archive.events.append([pending(document(3, SUBJECT, "Later, 200 people died"))])
    assert {d.document_id for d in search(archive.engine, "people died").documents} == {
        "doc-1",
        "doc-3",
    }  # the index follows appends again after the replay


def test_times_are_written_as_sqlalchemy_writes_them_on_sqlite():
    dialect = sqlite.dialect()
    theirs = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    ours = db_time(dialect)
    moments = [
        None,
        datetime(2022, 1, 1),
        datetime(2022, 1, 1, tzinfo=UTC),
        datetime(2022, 1, 1, 3, 4, 5, 6, tzinfo=UTC),
        datetime(2022, 1, 1, 1, 4, 5, 6, tzinfo=UTC) + timedelta(microseconds=1),
        datetime(2022, 6, 1, 1, 2, 3, tzinfo=UTC).astimezone(),
        datetime(999, 1, 1, tzinfo=UTC),
    ]
    assert [ours(m) for m in moments] == [theirs(m) for m in moments]


def test_a_rebuild_rolled_back_leaves_the_search_index_following_appends(archive):
    with pytest.raises(RuntimeError), archive.engine.begin() as connection:
        with indexed_at_the_end(connection):
            raise RuntimeError("the replay failed")
    archive.events.append([pending(document(3, SUBJECT, "Later, 200 people died"))])
    assert [d.document_id for d in search(archive.engine, "200 people").documents] == ["doc-3"]


class _Cycle:
    """Garbage only the cycle collector frees: it refers to itself."""

    def __init__(self) -> None:
        self.me = self


def test_a_replay_frees_each_batchs_cycles_and_leaves_the_collector_on(archive, monkeypatch):
    """The collector is off while a batch is worked on: what a batch leaves in cycles is
    freed before the next (memory stays flat), and collection is back on afterwards, also
    when a projector fails."""
    monkeypatch.setattr(replays, "BATCH", 2)
    archive.events.append([pending(reported(n, day=10 + n)) for n in range(1, 8)])
    left: list[weakref.ref[_Cycle]] = []
    alive_at_each_batch: list[int] = []

    def leave_a_cycle(connection, batch) -> None:
        alive_at_each_batch.append(sum(ref() is not None for ref in left))
        left.append(weakref.ref(_Cycle()))

    assert replays.replay(archive.events, [Projector("cycles", leave_a_cycle)]) == 7
    assert alive_at_each_batch == [0, 0, 0, 0]
    assert gc.isenabled()

    def fail(connection, batch) -> None:
        raise RuntimeError("a projector failed")

    with pytest.raises(RuntimeError):
        replays.replay(archive.events, [Projector("failing", fail)])
    assert gc.isenabled()


RELATION_SIZE = text("SELECT pg_relation_size('reports')")  # the table's rows (a vacuum adds forks)


def test_a_replay_on_postgresql_leaves_no_dead_rows_behind(archive):
    """Emptied by DELETE, a replay left the old reports dead beside the new ones (and their
    index entries) until a vacuum came by: each replay grew the table by its whole size."""
    if archive.engine.dialect.name != "postgresql":
        pytest.skip("SQLite frees an emptied table's pages itself")
    for day in range(1, 29):
        archive.events.append(
            [pending(reported(n, subject=f"s-{n % 7}", day=day, hour=n)) for n in range(20)]
        )
    audit.replay(archive)
    with archive.engine.connect() as connection:
        once = connection.execute(RELATION_SIZE).scalar_one()
    for _ in range(3):
        audit.replay(archive)
    with archive.engine.connect() as connection:
        assert connection.execute(RELATION_SIZE).scalar_one() == once
    assert audit.replay_check(archive) is None


WAITING_ON_A_LOCK = text(
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
    "AND query LIKE 'SELECT count(*) FROM reports%'"
)


def test_a_reader_during_a_replay_waits_for_it_and_then_sees_every_report(archive):
    """The emptied tables are locked until the replay commits; a reader asking meanwhile is
    answered from the replayed rows, never from empty tables."""
    if archive.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's writer holds the whole file: readers see the last commit")
    archive.events.append([pending(reported(n, day=1 + n % 28)) for n in range(30)])
    halfway, answered = threading.Event(), threading.Event()
    counted: list[int] = []

    def hold(connection, batch) -> None:
        halfway.set()
        deadline = time.monotonic() + 10
        with archive.engine.connect() as watch:  # until the reader waits on the lock
            while not watch.execute(WAITING_ON_A_LOCK).scalar_one():
                assert time.monotonic() < deadline, "the reader never waited"
                watch.rollback()  # the activity is read once a transaction
                time.sleep(0.02)

    def read() -> None:
        halfway.wait(10)
        with archive.engine.connect() as connection:
            counted.append(connection.execute(text("SELECT count(*) FROM reports")).scalar_one())
        answered.set()

    reader = threading.Thread(target=read)
    reader.start()
    replays.replay(archive.events, [*read_models(), Projector("hold", hold)])
    reader.join(10)
    assert answered.is_set() and counted == [30]
