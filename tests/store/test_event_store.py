"""The event store's contract, run against SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from domain.canonical import canonical_bytes, canonical_form, leaf_hash
from domain.errors import IdempotencyKeyReused, InvalidReport, StreamConflict
from domain.events import parse_event
from services.audit import verify_live
from store.rows import COPY_FROM
from store.tables import events, reports
from tests.conftest import open_archive
from tests.store.builders import pending, reported


def count(archive, table=events) -> int:
    with archive.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_positions_are_gapless_and_versions_count_per_stream(archive):
    result = archive.events.append(
        [pending(reported(160)), pending(reported(9900, metric="arrests")), pending(reported(164))]
    )
    assert [(e.position, e.stream_id, e.version) for e in result.appended] == [
        (1, "figure:kazakhstan-unrest-2022/deaths", 1),
        (2, "figure:kazakhstan-unrest-2022/arrests", 1),
        (3, "figure:kazakhstan-unrest-2022/deaths", 2),
    ]
    assert archive.events.head() == 3


def test_a_stale_expected_version_is_a_conflict_and_appends_nothing(archive):
    archive.events.append([pending(reported(160), expected=0)])
    with pytest.raises(StreamConflict) as raised:
        archive.events.append([pending(reported(164), expected=0)])
    assert (raised.value.expected, raised.value.actual) == (0, 1)
    assert count(archive) == 1


def test_the_same_idempotency_key_appends_once(archive):
    first = archive.events.append([pending(reported(160), key="k-1")])
    again = archive.events.append([pending(reported(160), key="k-1")])
    assert again.appended == [] and again.existing == first.appended
    assert count(archive) == 1 and count(archive, reports) == 1


def test_an_idempotency_key_reused_for_another_stream_is_refused(archive):
    archive.events.append([pending(reported(160), key="k-1")])
    with pytest.raises(IdempotencyKeyReused):
        archive.events.append([pending(reported(9900, metric="arrests"), key="k-1")])


def test_two_stores_on_one_log_number_and_check_after_each_other(archive, database_url, tmp_path):
    """Each store knows only its own last commit; what the other wrote must still count."""
    archive.events.append([pending(reported(160))])
    other = open_archive(database_url, tmp_path)
    try:
        other.events.append([pending(reported(161)), pending(reported(9900, metric="arrests"))])
        mine = archive.events.append([pending(reported(162)), pending(reported(5, metric="x"))])
        assert [(e.position, e.version) for e in mine.appended] == [(4, 3), (5, 1)]
        with pytest.raises(StreamConflict) as raised:  # the other store's write is counted
            other.events.append([pending(reported(163), expected=2)])
        assert (raised.value.expected, raised.value.actual) == (2, 3)
        theirs = other.events.append([pending(reported(9901, metric="arrests"), expected=1)])
        assert [(e.position, e.version) for e in theirs.appended] == [(6, 2)]
        again = archive.events.append([pending(reported(9902, metric="arrests"))])
        assert [(e.position, e.version) for e in again.appended] == [(7, 3)]
    finally:
        other.close()
    positions = [e.position for e in archive.events.read()]
    assert positions == list(range(1, 8)) and archive.events.head() == 7
    assert count(archive, reports) == 7


def test_large_batches_of_two_stores_taking_turns_land_gapless(archive, database_url, tmp_path):
    """Batches sent by COPY, whose end the server answers while the append goes on: a store
    that presumed the head another store moved fails there, and writes its batch again."""
    size = COPY_FROM + 36

    def batch(start: int) -> list:
        return [pending(reported(start + n, metric=f"m{n % 7}")) for n in range(size)]

    archive.events.append(batch(0))
    other = open_archive(database_url, tmp_path)
    try:
        other.events.append(batch(1000))
        mine = archive.events.append(batch(2000))  # presumed on PostgreSQL, then read
        assert [e.position for e in mine.appended] == list(range(2 * size + 1, 3 * size + 1))
        theirs = other.events.append(batch(3000))
        assert theirs.appended[0].position == 3 * size + 1
    finally:
        other.close()
    assert [e.position for e in archive.events.read()] == list(range(1, 4 * size + 1))
    assert count(archive, reports) == 4 * size
    assert verify_live(archive).tree_size == 4 * size


def test_a_large_batch_the_database_refuses_leaves_the_store_writing(archive):
    """A report id used twice fails in the reports' COPY, whose result is read later in the
    append: the batch appends nothing, and the next batch goes in as if it had not been."""
    size = COPY_FROM + 36
    twice = [pending(reported(n, report_id=f"r-{n % (size - 1)}")) for n in range(size)]
    archive.events.append([pending(reported(1))])
    with pytest.raises(StreamConflict):  # what the store makes of the database's refusal
        archive.events.append(twice)
    assert count(archive) == 1 and count(archive, reports) == 1
    result = archive.events.append([pending(reported(n)) for n in range(size)])
    assert [e.position for e in result.appended] == list(range(2, size + 2))
    assert count(archive, reports) == size + 1
    assert verify_live(archive).tree_size == size + 1


def test_a_batch_with_one_bad_event_appends_nothing(archive):
    archive.events.append([pending(reported(160))])
    batch = [pending(reported(9900, metric="arrests")), pending(reported(164), expected=0)]
    with pytest.raises(StreamConflict):
        archive.events.append(batch)
    assert count(archive) == 1 and count(archive, reports) == 1
    assert archive.events.head() == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET type = 'Tampered'",
        "DELETE FROM events",
        "DELETE FROM events WHERE position = 1",
    ],
)
def test_the_database_itself_refuses_to_change_the_log(archive, statement):
    archive.events.append([pending(reported(160))])
    with pytest.raises(DBAPIError, match="append-only"):
        with archive.engine.begin() as connection:
            connection.execute(text(statement))
    stored = next(archive.events.read())
    assert stored.type == "FigureReported" and count(archive) == 1


def test_a_stored_event_hashes_to_its_leaf_hash(archive):
    archive.events.append([pending(reported(160), key="k")])
    stored = next(archive.events.read())
    form = canonical_form(
        position=stored.position,
        event_id=stored.event_id,
        stream_id=stored.stream_id,
        version=stored.version,
        type=stored.type,
        data=stored.data,
        metadata=stored.metadata,
        recorded_at=stored.recorded_at,
    )
    assert leaf_hash(canonical_bytes(form)) == stored.leaf_hash


def test_recorded_time_never_goes_backwards(archive):
    times = iter(["2026-01-02T00:00:00+00:00", "2026-01-01T00:00:00+00:00"])
    from datetime import datetime

    archive.events.clock = lambda: datetime.fromisoformat(next(times))
    archive.events.append([pending(reported(160))])
    archive.events.append([pending(reported(164))])
    first, second = archive.events.read()
    assert second.recorded_at >= first.recorded_at


def test_reading_pages_through_the_log_in_order(archive):
    archive.events.append([pending(reported(n)) for n in range(1, 8)])
    assert [e.position for e in archive.events.read(after=2, limit=3, batch=2)] == [3, 4, 5]
    assert [e.position for e in archive.events.read(after=5, batch=2)] == [6, 7]


def test_times_are_stored_in_the_spelling_queries_compare_with(archive):
    """The append writes rows through the driver; SQLite keeps times as text, so the text must
    be SQLAlchemy's own, or an as-of bound would compare against a different spelling."""
    from datetime import UTC, datetime

    archive.events.clock = lambda: datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    archive.events.append([pending(reported(160, day=3))])
    with archive.engine.connect() as connection:
        raw = connection.exec_driver_sql(
            "SELECT e.recorded_at, r.reported_at FROM events e JOIN reports r ON r.position = "
            "e.position"
        ).one()
    if archive.engine.dialect.name == "sqlite":
        assert tuple(raw) == ("2026-01-02 03:04:05.000000", "2022-01-03 00:00:00.000000")
    else:
        assert tuple(raw) == (
            datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            datetime(2022, 1, 3, tzinfo=UTC),
        )


def test_a_report_without_a_confidence_keeps_its_bytes_and_reads_as_null(archive):
    old = reported(160, report_id="00000000-0000-0000-0000-000000000001")
    assert "confidence" not in old.to_data()  # as every report written before the field existed
    assert parse_event("FigureReported", old.to_data()).confidence is None
    sure = reported(164, day=12).model_copy(update={"confidence": 0.87})
    archive.events.append([pending(old, key="old"), pending(sure, key="sure")])
    stored = [e.data for e in archive.events.read()]
    assert stored[0] == old.to_data() and stored[1]["confidence"] == 0.87
    with archive.engine.connect() as connection:
        rows = dict(connection.execute(select(reports.c.value, reports.c.confidence)).all())
    assert rows == {160: None, 164: 0.87}


def test_a_confidence_outside_zero_to_one_is_refused():
    data = {**reported(160).to_data(), "confidence": 1.5}
    with pytest.raises(InvalidReport):
        parse_event("FigureReported", data)
