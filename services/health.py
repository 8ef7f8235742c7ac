"""Is this process fit to serve: its databases reachable, their schema current, the replica close;
and what the metrics count.

`/readyz` asks this; a load balancer stops sending requests to a process that is not ready
(a migration not yet run, the primary gone, a replica too far behind) and sends them again
once it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from domain.events import RecordedEvent
from services.archive import Archive
from services.replica import Lag, Reads
from store import health, memo


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def readiness(reads: Reads) -> list[Check]:
    """Each check, in order: primary, its schema, then (if any) the replica and its lag."""
    checks = [_schema("primary", reads.primary)]
    if reads.replica is not None:
        checks.append(_schema("replica", reads.replica))
        if checks[-1].ok:
            checks.append(_lag(reads))
    return checks


def feeds_by_last_poll(archive: Archive) -> dict[str, int]:
    return health.feeds_by_last_poll(archive.engine)


def count_appends(archive: Archive, count: Callable[[int], None]) -> None:
    """Call `count(n)` with the number of events of each append this archive commits.

    Counted at the commit, not in the transaction: a group commit that rolls back and is
    retried one batch at a time counts each event once.
    """

    def appended(connection: Connection, events: Sequence[RecordedEvent]) -> None:
        done = partial(count, len(events))
        memo.keep(connection, "metrics.appends", events[-1].position, None, then=done)

    archive.events.on_append.append(appended)


def _schema(name: str, archive: Archive) -> Check:
    try:
        at = health.schema_revision(archive.engine)
    except SQLAlchemyError as error:  # the message may name the host: the type is enough
        return Check(name, False, f"database unreachable ({type(error).__name__})")
    head = health.head_revision()
    if at != head:
        return Check(
            name, False, f"schema at {at or 'nothing'}, the code needs {head}: run `recount init`"
        )
    return Check(name, True, f"schema at {head}")


def _lag(reads: Reads) -> Check:
    bound = reads.primary.settings.ready_max_lag_seconds
    try:
        lag = reads.lag()
    except SQLAlchemyError as error:
        return Check("replica lag", False, f"unreadable ({type(error).__name__})")
    assert lag is not None
    return Check("replica lag", lag.seconds <= bound, _described(lag, bound))


def _described(lag: Lag, bound: float) -> str:
    return f"{lag.positions} events behind, the oldest {lag.seconds:.1f}s old (bound {bound:g}s)"
