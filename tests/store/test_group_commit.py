"""Concurrent appends in one process: gathered into shared transactions, each caller's own result.

Run against SQLite and (when configured) PostgreSQL, like the rest of the store's contract.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from domain.errors import IdempotencyKeyReused, StreamConflict
from store.tables import events, reports
from tests.store.builders import pending, reported


def stored_positions(archive) -> list[int]:
    with archive.engine.connect() as connection:
        return list(
            connection.execute(select(events.c.position).order_by(events.c.position)).scalars()
        )


def report_ids(archive) -> Counter[str]:
    with archive.engine.connect() as connection:
        return Counter(connection.execute(select(reports.c.report_id)).scalars())


class HeldLeader:
    """Holds the first append inside its transaction until released, so others queue behind."""

    def __init__(self, archive):
        self.archive = archive
        self.inside = threading.Event()
        self.release = threading.Event()
        self.commits = 0
        archive.events.on_append.insert(0, self._hold)
        sa_event.listen(archive.engine, "commit", self._count)

    def _hold(self, _connection, _events):
        if not self.inside.is_set():
            self.inside.set()
            assert self.release.wait(30)

    def _count(self, _conn):
        self.commits += 1

    def wait_for_queue(self, size: int) -> None:
        deadline = time.monotonic() + 30
        while self.archive.events.waiting < size:
            assert time.monotonic() < deadline, "appends never queued"
            time.sleep(0.01)

    def close(self):
        sa_event.remove(self.archive.engine, "commit", self._count)


def run_grouped(archive, first, batches):
    """Append `first`, then `batches` from other threads while the first holds the head."""
    held = HeldLeader(archive)
    outcomes: list[object] = [None] * len(batches)

    def attempt(index, batch):
        try:
            outcomes[index] = archive.events.append(batch)
        except Exception as error:  # each caller keeps its own error
            outcomes[index] = error

    with ThreadPoolExecutor(len(batches) + 1) as pool:
        leader = pool.submit(archive.events.append, first)
        assert held.inside.wait(30)
        for index, batch in enumerate(batches):
            pool.submit(attempt, index, batch)
        held.wait_for_queue(len(batches))
        held.release.set()
        leader.result()
    held.close()
    return outcomes, held.commits


def test_appends_waiting_together_share_one_transaction(archive):
    waiting = [[pending(reported(170 + n, metric=f"m{n}"))] for n in range(4)]
    outcomes, commits = run_grouped(archive, [pending(reported(160))], waiting)
    assert commits == 2  # the first append's, then one for the four that waited
    positions = sorted(o.appended[0].position for o in outcomes)
    assert positions == [2, 3, 4, 5]
    assert stored_positions(archive) == [1, 2, 3, 4, 5]
    assert archive.events.head() == 5


def test_a_conflict_in_a_group_is_raised_only_to_its_caller(archive):
    archive.events.append([pending(reported(150, metric="arrests"), key="k-arrests")])
    waiting = [
        [pending(reported(170, metric="injuries"))],
        [pending(reported(164), expected=0)],  # stale: the first append made deaths version 1
        [pending(reported(9, metric="missing"), key="k-arrests")],  # key of another stream
        [pending(reported(180, metric="injuries")), pending(reported(181, metric="displaced"))],
    ]
    outcomes, _ = run_grouped(archive, [pending(reported(160), expected=0)], waiting)
    good, stale, reused, pair = outcomes
    assert isinstance(stale, StreamConflict) and (stale.expected, stale.actual) == (0, 1)
    assert isinstance(reused, IdempotencyKeyReused)
    assert [e.version for e in good.appended + pair.appended] == [1, 2, 1]
    assert stored_positions(archive) == [1, 2, 3, 4, 5]
    assert sum(report_ids(archive).values()) == 5


def test_a_batch_that_breaks_the_shared_transaction_fails_alone(archive):
    first = reported(160)
    waiting = [
        [pending(reported(170, metric="injuries"))],
        [pending(reported(1, report_id=first.report_id, metric="missing"))],  # report id taken
        [pending(reported(180, metric="displaced"))],
    ]
    outcomes, _ = run_grouped(archive, [pending(first)], waiting)
    assert isinstance(outcomes[1], Exception)
    assert [o.appended[0].version for o in (outcomes[0], outcomes[2])] == [1, 1]
    assert stored_positions(archive) == [1, 2, 3]
    assert set(report_ids(archive).values()) == {1}


def test_an_idempotency_key_shared_in_a_group_appends_once(archive):
    waiting = [[pending(reported(170), key="same")], [pending(reported(170), key="same")]]
    outcomes, _ = run_grouped(archive, [pending(reported(160))], waiting)
    written = [e for o in outcomes for e in o.appended]
    given_back = [e for o in outcomes for e in o.existing]
    assert len(written) == 1 and given_back == written
    assert stored_positions(archive) == [1, 2]


@pytest.mark.parametrize("threads", [8])
def test_many_threads_appending_at_once_lose_and_double_nothing(archive, threads):
    per_thread = 12
    metrics = ["deaths", "injuries", "arrests"]

    def writer(worker: int) -> list[int]:
        positions = []
        for n in range(per_thread):
            batch = [
                pending(reported(n, metric=metrics[(worker + n) % 3]), key=f"w{worker}-{n}"),
                pending(reported(n + 1, metric=f"w{worker}")),
            ]
            result = archive.events.append(batch)
            again = archive.events.append(batch[:1])  # a retry of the first: appends nothing
            assert again.appended == [] and again.existing == result.appended[:1]
            positions.extend(e.position for e in result.appended)
        return positions

    with ThreadPoolExecutor(threads) as pool:
        answered = [p for ps in pool.map(writer, range(threads)) for p in ps]
    total = threads * per_thread * 2
    assert sorted(answered) == list(range(1, total + 1))
    assert stored_positions(archive) == list(range(1, total + 1))
    assert max(report_ids(archive).values()) == 1 and sum(report_ids(archive).values()) == total
    with archive.engine.connect() as connection:
        per_stream = connection.execute(
            select(events.c.stream_id, func.count(), func.max(events.c.version)).group_by(
                events.c.stream_id
            )
        ).all()
    assert all(count == top for _, count, top in per_stream)  # versions gapless per stream
