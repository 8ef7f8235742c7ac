"""The worker in process: new feeds polled within seconds, slow feeds never hold up the others."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from ingest.fetch import Fetcher
from services import worker as schedule
from services.feeds import get_feed, register_feed
from services.worker import Worker
from tests.ingest.feedserver import FeedServer, Reply, atom, entries, running_server

SUBJECT = "kazakhstan-unrest-2022"
ATOM = {"Content-Type": "application/atom+xml"}


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with running_server() as srv:
        yield srv


def wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "timed out"
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def worker(archive) -> Iterator[Worker]:
    with Fetcher(allow_private=True, timeout=10.0) as fetcher:
        running = Worker(archive, fetcher, concurrency=2, dispatch_seconds=0.2)
        running.start()
        yield running
        running.stop()


def test_feed_added_while_the_worker_runs_is_polled_within_seconds(archive, server, worker):
    server.routes["/world.atom"] = Reply(200, atom(entries(2)), ATOM)
    feed = register_feed(archive, server.url("/world.atom"), SUBJECT, "15m")
    waited = wait_until(lambda: get_feed(archive, feed.feed_id).state.last_status == "ok")
    assert waited < 3
    time.sleep(0.5)  # several more dispatches: the feed is not due again for 15 minutes
    assert server.requests["/world.atom"] == 1


def test_slow_feed_does_not_delay_the_others(archive, server, worker):
    server.routes["/slow.atom"] = Reply(200, atom(entries(1)), ATOM, delay=6.0)
    slow = register_feed(archive, server.url("/slow.atom"), SUBJECT, "15m")
    wait_until(lambda: server.in_flight["/slow.atom"] == 1)
    fast = []
    for n in range(6):
        server.routes[f"/fast{n}.atom"] = Reply(200, atom(entries(1, start=10 + n)), ATOM)
        fast.append(register_feed(archive, server.url(f"/fast{n}.atom"), SUBJECT, "15m"))

    def all_fast_polled() -> bool:
        return all(get_feed(archive, f.feed_id).state.last_status == "ok" for f in fast)

    wait_until(all_fast_polled)
    # the fast feeds were all polled while the slow one was still being fetched
    assert server.in_flight["/slow.atom"] == 1
    assert get_feed(archive, slow.feed_id).state.last_status is None
    assert max(server.most_in_flight.values()) == 1


def test_periodic_hooks_run_in_the_worker(archive):
    calls = []
    hook = schedule.PeriodicJob("test-hook", 0.1, calls.append)
    running = Worker(
        archive,
        Fetcher(allow_private=True),
        dispatch_seconds=5,
        periodic=[*schedule.PERIODIC, hook],
    )
    running.start()
    wait_until(lambda: len(calls) >= 2, 5)
    running.close()
    assert calls[0] is archive
