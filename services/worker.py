"""The worker: APScheduler dispatches due feeds to a bounded pool of pollers.

Next-poll times live in the feed rows (`feed_state.next_poll_at`), not in APScheduler's memory,
so a restart or a crash loses no schedule, several workers on PostgreSQL share one schedule, and
a feed added over HTTP is seen by the next dispatch (every few seconds) and polled at once. One
"dispatch" job claims due feeds up to the free poller slots and submits each as a one-off job to
a ThreadPoolExecutor of `concurrency` threads: a slow feed holds one slot and delays no other.

Other periodic work that belongs in the worker is listed in `PERIODIC` (signing a checkpoint every
hour); a worker runs the jobs it is given, those by default.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor as FuturesPool
from dataclasses import dataclass

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from domain.feeds import Feed
from ingest.fetch import Fetcher
from ingest.poll import PollResult
from ingest.schedule import CHECKPOINT_EVERY, CONCURRENCY, DISPATCH_SECONDS, ENTRIES_PER_POLL
from services.archive import Archive
from services.audit import current_checkpoint
from services.poll import poll_feed
from store.events import Clock, system_clock
from store.feeds import due_feeds

log = logging.getLogger("recount.worker")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    seconds: float
    run: Callable[[Archive], None]


def sign_checkpoint(archive: Archive) -> None:
    """Sign the tree head if the log grew since the last checkpoint (auditors keep these)."""
    current_checkpoint(archive)


PERIODIC: tuple[PeriodicJob, ...] = (PeriodicJob("checkpoint", CHECKPOINT_EVERY, sign_checkpoint),)


class Worker:
    """Polls the archive's due feeds until stopped; `run_once` polls what is due and returns."""

    def __init__(
        self,
        archive: Archive,
        fetcher: Fetcher | None = None,
        *,
        concurrency: int = CONCURRENCY,
        dispatch_seconds: float = DISPATCH_SECONDS,
        clock: Clock = system_clock,
        rng: random.Random | None = None,
        periodic: Sequence[PeriodicJob] = PERIODIC,
        entries_per_poll: int = ENTRIES_PER_POLL,
    ) -> None:
        self.archive = archive
        self.entries_per_poll = entries_per_poll
        self.periodic = tuple(periodic)
        self.fetcher = fetcher or Fetcher(opened=archive.settings.private_networks)
        self.concurrency = concurrency
        self.dispatch_seconds = dispatch_seconds
        self.clock = clock
        self.rng = rng or random.Random()
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()
        self._scheduler: BackgroundScheduler | None = None

    def start(self) -> None:
        """Start dispatching in background threads; returns at once."""
        scheduler = BackgroundScheduler(
            executors={
                "default": ThreadPoolExecutor(max_workers=2),
                "polls": ThreadPoolExecutor(max_workers=self.concurrency),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone="UTC",
        )
        scheduler.add_job(
            self.dispatch,
            "interval",
            seconds=self.dispatch_seconds,
            id="dispatch",
            next_run_time=self.clock(),
        )
        for job in self.periodic:
            scheduler.add_job(
                job.run, "interval", seconds=job.seconds, args=[self.archive], id=job.name
            )
        scheduler.start()
        self._scheduler = scheduler
        log.info(
            "worker started: %d pollers, dispatch every %gs",
            self.concurrency,
            self.dispatch_seconds,
        )

    def stop(self, wait: bool = True) -> None:
        """Stop dispatching; with `wait`, let the polls in flight finish (they are idempotent)."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=wait)
            self._scheduler = None
            log.info("worker stopped")

    def dispatch(self) -> int:
        """Submit the due feeds that fit in the free poller slots; returns how many."""
        scheduler = self._scheduler
        if scheduler is None:
            return 0
        with self._lock:
            free = self.concurrency - len(self._in_flight)
            busy = sorted(self._in_flight)
        if free <= 0:
            return 0
        feeds = due_feeds(self.archive.engine, self.clock(), limit=free, exclude=busy)
        for feed in feeds:
            with self._lock:
                self._in_flight.add(feed.feed_id)
            scheduler.add_job(self._poll, args=[feed], executor="polls", id=f"poll:{feed.feed_id}")
        return len(feeds)

    def run_once(self) -> list[PollResult]:
        """Poll every feed due now, `concurrency` at a time, and return their results."""
        feeds = due_feeds(self.archive.engine, self.clock())
        with FuturesPool(max_workers=self.concurrency) as pool:
            results = list(pool.map(self._poll, feeds))
        return [r for r in results if r is not None]

    def close(self) -> None:
        self.stop()
        self.fetcher.close()

    def _poll(self, feed: Feed) -> PollResult | None:
        try:
            result = poll_feed(
                self.archive, feed, self.fetcher, self.clock, self.rng, self.entries_per_poll
            )
        except Exception:  # the database went away, say: log it, keep the worker up
            log.exception("poll of feed %s crashed", feed.feed_id)
            return None
        finally:
            with self._lock:
                self._in_flight.discard(feed.feed_id)
        if result.status in ("failed", "malformed"):  # an operator should look: WARNING
            log.warning(result.log_line())
        elif result.status != "skipped":
            log.info(result.log_line())
        return result
