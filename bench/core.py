"""Core benchmarks (issue 3): appends and as-of queries, each as a ratio to a same-run baseline.

    .venv/bin/python -m bench.core [--events 100000] [--url postgresql+psycopg://...]

- batch append of N FigureReported events (checked, hashed, projected) vs a raw `executemany`
  INSERT of the same rows into the events table of an identical database;
- single-event append rate vs single-row INSERT transactions;
- the as-of figure query at 10k and N events vs the same answer computed by naive replay.

Each database is a fresh SQLite file in a temporary folder, or a fresh schema on the PostgreSQL
server that --url names.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from domain.canonical import canonical_bytes, canonical_form, leaf_hash
from domain.events import FigureReported, PendingEvent, RecordedEvent, Source
from domain.figures import Window, reduce_figure, replay_reports
from domain.qualifiers import Qualifier
from services.archive import Archive
from services.figures import REVISIONS_LIMIT, figures_as_of
from services.settings import Settings
from store.tables import events

SUBJECTS = 50
METRICS = ("deaths", "injuries", "arrests", "displaced")
START = datetime(2022, 1, 1, tzinfo=UTC)


def report(n: int, rng: random.Random) -> FigureReported:
    qualifier = rng.choice([Qualifier.AT_LEAST, Qualifier.EXACT, Qualifier.NEARLY])
    value = rng.randrange(10, 100_000)
    return FigureReported(
        report_id=str(uuid.uuid4()),
        subject=f"subject-{n % SUBJECTS}",
        metric=METRICS[(n // SUBJECTS) % len(METRICS)],
        value=value,
        low=value if qualifier is not Qualifier.NEARLY else None,
        high=value if qualifier is not Qualifier.AT_LEAST else None,
        qualifier=qualifier,
        quote=f"{qualifier.value} {value} people",
        reported_at=START + timedelta(minutes=n),
        source=Source(url=f"https://example.org/{n}", title="T", publisher="P"),
    )


@contextmanager
def fresh_archive(url: str | None) -> Iterator[Archive]:
    with tempfile.TemporaryDirectory() as folder:
        if url is None:
            target = f"sqlite:///{Path(folder) / 'bench.db'}"
            archive = Archive.open(Settings(database_url=target))
            archive.migrate()
            yield archive
            archive.close()
            return
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        archive = Archive.open(Settings(database_url=scoped.render_as_string(False)))
        archive.migrate()
        try:
            yield archive
        finally:
            archive.close()
            with admin.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def event_row(position: int, event: FigureReported, recorded_at: datetime) -> dict[str, Any]:
    """The events table row that appending `event` at `position` (version 1) would write."""
    form = canonical_form(
        position=position,
        event_id=str(uuid.uuid4()),
        stream_id=event.stream_id,
        version=position,
        type=event.type,
        data=event.to_data(),
        metadata={},
        recorded_at=recorded_at,
    )
    hashed = leaf_hash(canonical_bytes(form))
    return {**form, "recorded_at": recorded_at, "idempotency_key": None, "leaf_hash": hashed}


def bench_batch_append(url: str | None, count: int, batch: int) -> None:
    rng = random.Random(1)
    reports = [report(n, rng) for n in range(count)]
    pending = [PendingEvent(r) for r in reports]
    with fresh_archive(url) as archive:
        ours = timed(
            lambda: [archive.events.append(pending[i : i + batch]) for i in range(0, count, batch)]
        )
    rows = [event_row(n + 1, r, datetime.now(UTC)) for n, r in enumerate(reports)]
    with fresh_archive(url) as archive:

        def raw() -> None:
            for i in range(0, count, batch):
                with archive.engine.begin() as connection:
                    connection.execute(insert(events), rows[i : i + batch])

        baseline = timed(raw)
    line(f"batch append, {count:,} events in batches of {batch}", ours, baseline, count)


def bench_single_append(url: str | None, count: int) -> None:
    rng = random.Random(2)
    reports = [report(n, rng) for n in range(count)]
    with fresh_archive(url) as archive:
        ours = timed(lambda: [archive.events.append([PendingEvent(r)]) for r in reports])
    rows = [event_row(n + 1, r, START) for n, r in enumerate(reports)]
    with fresh_archive(url) as archive:

        def raw() -> None:
            for row in rows:
                with archive.engine.begin() as connection:
                    connection.execute(insert(events), [row])

        baseline = timed(raw)
    line(f"single-event append, {count:,} appends", ours, baseline, count)


def bench_as_of(url: str | None, count: int, queries: int = 20) -> None:
    rng = random.Random(3)
    with fresh_archive(url) as archive:
        batch = 5000
        for i in range(0, count, batch):
            archive.events.append(
                [PendingEvent(report(n, rng)) for n in range(i, min(count, i + batch))]
            )
        as_of = START + timedelta(minutes=count // 2)
        subjects = [f"subject-{n % SUBJECTS}" for n in range(queries)]
        answers: dict[str, object] = {}

        def ours() -> None:
            for subject in subjects:
                answers[subject] = [
                    (f.metric, f.current, f.revisions, f.reports_total)
                    for f in figures_as_of(archive, subject, Window(as_of)).figures
                ]

        def naive() -> None:
            for subject in subjects:
                log: list[RecordedEvent] = list(archive.events.read())
                window = Window(as_of=as_of, position=len(log))
                by_figure = replay_reports(e for e in log if e.data["subject"] == subject)
                views = [
                    reduce_figure(subject, metric, rs, window)
                    for (_, metric), rs in sorted(by_figure.items())
                ]
                expected = [
                    (v.metric, v.current, v.revisions[-REVISIONS_LIMIT:], len(v.reports))
                    for v in views
                    if v.reports
                ]
                assert expected == answers[subject]

        ours_time = timed(ours)
        baseline = timed(naive)
    line(
        f"as-of figures query at {count:,} events, {queries} queries", ours_time, baseline, queries
    )


def line(name: str, ours: float, baseline: float, count: int) -> None:
    print(
        f"{name}: {count / ours:,.0f}/s vs baseline {count / baseline:,.0f}/s "
        f"-> {baseline / ours:.2f}x the baseline's speed"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--url", help="a PostgreSQL URL; SQLite files if absent")
    args = parser.parse_args()
    print(f"database: {'PostgreSQL' if args.url else 'SQLite'}")
    bench_batch_append(args.url, args.events, 1000)
    bench_single_append(args.url, 2000)
    for size in sorted({10_000, args.events}):
        bench_as_of(args.url, size)


if __name__ == "__main__":
    main()
