"""Where one figure's as-of answer spends its time, part by part, against hand-written SQL.

    .venv/bin/python -m bench.asof --events 20000 [--url postgresql+psycopg://...] [--analyze]

The log and the question are bench.peers' (`asof_figure_vs_sql`): N FigureReported events in
batches of 1,000, the figure `subject-0/deaths` as of the middle of its story. The parts take
turns round by round, so load on the machine falls on all of them alike:

- `sql`: the hand-written indexed query for the current value on a raw driver connection
  (bench.peers' baseline; prepared by the driver after its fifth use on PostgreSQL);
- `round_trip`: `SELECT 1` on that raw connection, the floor of any statement;
- `checkout`: taking a pooled connection and giving it back (on PostgreSQL the pool's pre-ping,
  a round trip);
- `statement`: the answer's one statement (`ONE_ANSWER_SQL`) on a pooled connection, its rows
  fetched;
- `rows`: turning those rows into the answer (`FigureRows`);
- `json`: writing the answer as the API does (`FigureOut.encoded`);
- `answer`: all of it, `figure_answer` then `FigureOut.encoded` (bench.peers' `asof_ms`).

Prints each part's median in ms and as a multiple of `sql`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import timedelta
from typing import Any

from api.schemas import FigureOut
from bench.core import START, fresh_archive
from bench.peers import RecountContender, analyze, current_query, payloads, raw_connection
from domain.figures import Window
from services.archive import Archive
from services.figures import figure_answer
from store import figures

SUBJECT, METRIC = "subject-0", "deaths"


def parts(archive: Archive, raw: Any, rounds: int) -> dict[str, float]:
    """Median seconds of each part, taking turns round by round."""
    head = archive.events.head()
    as_of = START + timedelta(minutes=head // 2)
    window = Window(as_of)
    statement, params = current_query(archive, SUBJECT, METRIC, as_of, head)
    found, _ = figure_answer(archive, SUBJECT, METRIC, window)
    assert isinstance(found, figures.FigureRows)
    pooled = archive.engine.connect()
    page = (figures.REPORTS_LIMIT, figures.REVISIONS_LIMIT)

    def answer_rows() -> list[Any]:
        return figures._one_answer(pooled, SUBJECT, METRIC, None, window, figures.START, page)

    rows = answer_rows()

    def checkout() -> None:
        with archive.engine.connect():
            pass

    def answer() -> bytes:
        return FigureOut.encoded(figure_answer(archive, SUBJECT, METRIC, window)[0], "/")

    work: dict[str, Callable[[], object]] = {
        "sql": lambda: raw.execute(statement, params).fetchone(),
        "round_trip": lambda: raw.execute("SELECT 1").fetchone(),
        "checkout": checkout,
        "statement": answer_rows,
        "rows": lambda: figures._from_one_answer(rows, head),
        "json": lambda: FigureOut.encoded(found, "/"),
        "answer": answer,
    }
    spent: dict[str, list[float]] = {name: [] for name in work}
    for _ in range(rounds):
        for name, part in work.items():
            began = time.perf_counter()
            part()
            spent[name].append(time.perf_counter() - began)
    pooled.close()
    return {name: statistics.median(times) for name, times in spent.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--url", help="a PostgreSQL URL; a SQLite file if absent")
    parser.add_argument(
        "--analyze", action="store_true", help="PostgreSQL: ANALYZE after the appends"
    )
    args = parser.parse_args()
    with ExitStack() as stack:
        archive = stack.enter_context(fresh_archive(args.url))
        contender = RecountContender(archive, payloads(args.events, 1))
        for start in range(0, args.events, 1000):
            contender.append(start, min(start + 1000, args.events))
        if args.analyze:
            analyze(archive)
        raw = stack.enter_context(raw_connection(archive))
        medians = parts(archive, raw, args.rounds)
    sql = medians["sql"]
    result = {
        "database": "postgresql" if args.url else "sqlite",
        "events": args.events,
        "ms": {name: round(seconds * 1000, 3) for name, seconds in medians.items()},
        "vs_sql": {name: round(seconds / sql, 2) for name, seconds in medians.items()},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
