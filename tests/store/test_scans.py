"""Scans of the whole log read ahead by a thread: every row, in order, and no reader left behind."""

from __future__ import annotations

import threading

from domain.events import PendingEvent
from store.database import stream_rows_ahead
from tests.store.builders import reported

QUERY = "SELECT position FROM events ORDER BY position"


def readers() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "recount-scan"]


def test_a_read_ahead_scan_gives_every_row_in_order(archive):
    archive.events.append([PendingEvent(reported(100 + n)) for n in range(23)])
    chunks = list(stream_rows_ahead(archive.engine, QUERY, 5, binary=True))
    assert [len(chunk) for chunk in chunks] == [5, 5, 5, 5, 3]
    assert [row[0] for chunk in chunks for row in chunk] == list(range(1, 24))
    assert readers() == []


def test_a_scan_stopped_early_stops_its_reader_and_frees_its_connection(archive):
    archive.events.append([PendingEvent(reported(100 + n)) for n in range(40)])
    held = archive.engine.pool.checkedout()
    for _ in range(8):  # more than the pool holds, were connections kept
        scan = stream_rows_ahead(archive.engine, QUERY, 2, ahead=1)
        assert [row[0] for row in next(scan)] == [1, 2]
        scan.close()
        assert readers() == []
    assert archive.engine.pool.checkedout() == held


def test_a_failing_query_is_raised_to_the_caller(archive):
    scan = stream_rows_ahead(archive.engine, "SELECT no_such_column FROM events", 5)
    try:
        next(scan)
    except Exception as error:  # the driver's own error, as stream_rows would raise it
        assert "no_such_column" in str(error)
    else:
        raise AssertionError("the scan gave rows of a bad query")
    assert readers() == []
