"""Read benchmarks: one figure as of a moment, against a hand-written indexed SQL query.

    .venv/bin/python -m bench.reads [--sizes 10000,100000] [--history 5,250,5000] [--url ...]

For each log size, a fresh archive holds N events: filler reports over 50 subjects x 4 metrics,
and two figures followed through the log: `long-story/deaths` with 250 reports and
`short-story/deaths` with 5 (a few of them retracted, a few vague); `--history` follows
figures of the given lengths instead (`story-5000/deaths` has 5,000). At each as-of moment the
benchmark times, per figure, in the same process:

- the baseline: the current value by a hand-written SQL query an expert would write against the
  reports table (the source's conditions spelled out, walking `ix_reports_timeline` backwards,
  LIMIT 1), sent as a string on a pooled connection;
- `answer`: the whole bounded figure answer as the API's route makes it (`figure_answer`: the
  log head, current, the latest 10 revisions, the first 10 reports, the counts and each
  report's review) written out as its JSON.

Every answer is checked against the baseline's value. Ratios are time over the baseline's time
(lower is better; the goal is <= 3x), and growth is the ratio at the largest size over the ratio
at the smallest (goal <= 1.3x from 10k to 1M).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import text

from api.schemas import FigureOut
from bench.core import START, fresh_archive, report
from domain.events import FigureReported, PendingEvent, ReportRetracted
from domain.figures import Window
from domain.qualifiers import Qualifier
from services.archive import Archive
from services.figures import figure_answer, stream_figures
from services.formats import stream_figure_json

FIGURES = {"long-story": 250, "short-story": 5}
HAND_WRITTEN = text("""
SELECT value FROM reports
WHERE subject = :subject AND metric = :metric AND reported_at <= :as_of
  AND value IS NOT NULL AND status = 'reported' AND subset_of IS NULL
  AND retraction_position IS NULL
  AND qualifier NOT IN ('dozens', 'hundreds', 'thousands', 'several_thousand',
                        'tens_of_thousands', 'millions')
ORDER BY reported_at DESC, position DESC
LIMIT 1
""")


def fill(
    archive: Archive, count: int, figures: dict[str, int] = FIGURES, batch: int = 5000
) -> None:
    """N events: filler, with the followed figures' reports spread evenly through the log."""
    rng = random.Random(5)
    followed: dict[int, tuple[str, int]] = {}
    for subject, reports in figures.items():
        for n in range(reports):
            followed[(n * count) // reports + len(subject)] = (subject, n)
    pending: list[PendingEvent] = []
    made: dict[str, list[FigureReported]] = {s: [] for s in figures}
    for n in range(count):
        if n in followed:
            subject, k = followed[n]
            moved = {
                "subject": subject,
                "metric": "deaths",
                "reported_at": START + timedelta(days=k),
            }
            event = report(n, rng).model_copy(update=moved)
            if k % 40 == 39:  # now and then a vague report, never current
                vague = {"value": None, "qualifier": Qualifier.DOZENS, "low": 24, "high": 99}
                event = event.model_copy(update=vague)
            made[subject].append(event)
            pending.append(PendingEvent(event))
            if k % 25 == 24:  # and now and then the previous report is retracted
                earlier = made[subject][-2]
                retraction = ReportRetracted(
                    report_id=earlier.report_id, subject=subject, metric="deaths", reason="wrong"
                )
                pending.append(PendingEvent(retraction))
        else:
            pending.append(PendingEvent(report(n, rng)))
        if len(pending) >= batch:
            archive.events.append(pending)
            pending = []
    if pending:
        archive.events.append(pending)


def timed(works: dict[str, Callable[[], Any]], rounds: int) -> dict[str, float]:
    """The median time of one call of each, over `rounds` rounds that take turns (after one
    untimed call each), so that a busy machine slows the baseline and ours alike."""
    samples: dict[str, list[float]] = {name: [] for name in works}
    for work in works.values():
        work()
    for _ in range(rounds):
        for name, work in works.items():
            started = time.perf_counter()
            work()
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(times) for name, times in samples.items()}


def measure(
    archive: Archive, count: int, rounds: int, figures: dict[str, int] = FIGURES
) -> dict[str, Any]:
    results: dict[str, Any] = {"events": count}
    for subject, reports in figures.items():
        moments = [START + timedelta(days=d, hours=12) for d in (2, reports // 2, reports + 1)]
        rows = {"sql": 0.0, "answer": 0.0}
        size = whole = 0
        for as_of in moments:
            params = {"subject": subject, "metric": "deaths", "as_of": as_of}
            expected = _sql(archive, params)
            answer = _answer(archive, subject, as_of)
            assert (json.loads(answer)["current"] or {}).get("value") == expected
            size = max(size, len(answer))
            whole = max(whole, _unbounded(archive, subject, as_of))
            works: dict[str, Callable[[], Any]] = {
                "sql": partial(_sql, archive, params),
                "answer": partial(_answer, archive, subject, as_of),
            }
            for name, seconds in timed(works, rounds).items():
                rows[name] += seconds
        n = len(moments)
        results[subject] = {
            "reports": reports,
            "sql_ms": rows["sql"] / n * 1000,
            "answer_ms": rows["answer"] / n * 1000,
            "answer_vs_sql": rows["answer"] / rows["sql"],
            "answer_bytes": size,
            "unbounded_bytes": whole,
        }
    return results


def _answer(archive: Archive, subject: str, as_of: datetime) -> bytes:
    """The route's answer: read (the log head too) and written out as JSON."""
    found, _ = figure_answer(archive, subject, "deaths", Window(as_of))
    return FigureOut.encoded(found, "/")


def _unbounded(archive: Archive, subject: str, as_of: datetime) -> int:
    """The bytes of the same figure with every report: the answer before reports were paged."""
    _, streams = stream_figures(archive, [subject], "deaths", Window(as_of))
    figure = next(streams)
    chunks = stream_figure_json(figure.summary, figure.revisions, figure.reports)
    return sum(len(chunk.encode()) for chunk in chunks)


def _sql(archive: Archive, params: dict[str, Any]) -> int | None:
    with archive.engine.connect() as connection:
        value = connection.execute(HAND_WRITTEN, params).scalar()
    return None if value is None else int(value)


def run(
    url: str | None,
    sizes: list[int],
    rounds: int,
    echo: bool = False,
    figures: dict[str, int] = FIGURES,
) -> dict[str, Any]:
    """Every size in turn; the summary keys are those `bench.peers` reports too.

    `asof_figure_vs_sql` is the worse of the figures' answer/SQL ratios at the largest size;
    `asof_growth_10k_to_1m` the worse growth of that ratio, when 10k and 1M were run.
    """
    runs = []
    for size in sorted(sizes):
        with fresh_archive(url) as archive:
            began = time.perf_counter()
            fill(archive, size, figures)
            filled = time.perf_counter() - began
            runs.append(measure(archive, size, rounds, figures))
        if echo:
            backend = "PostgreSQL" if url else "SQLite"
            print(f"{size:,} events (filled in {filled:.0f} s, {backend})", flush=True)
            for subject in figures:
                r = runs[-1][subject]
                print(
                    f"  {subject} ({r['reports']} reports): SQL {r['sql_ms']:.3f} ms; "
                    f"whole answer {r['answer_ms']:.3f} ms = {r['answer_vs_sql']:.2f}x, "
                    f"{r['answer_bytes']:,} bytes ({r['unbounded_bytes']:,} with every report)",
                    flush=True,
                )
    growth = {
        subject: runs[-1][subject]["answer_vs_sql"] / runs[0][subject]["answer_vs_sql"]
        for subject in figures
    }
    first, last = runs[0]["events"], runs[-1]["events"]
    return {
        "runs": runs,
        "asof_figure_vs_sql": max(runs[-1][s]["answer_vs_sql"] for s in figures),
        "asof_growth": growth,
        "asof_growth_10k_to_1m": max(growth.values())
        if (first, last) == (10_000, 1_000_000)
        else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="log sizes, comma-separated")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--url", help="a PostgreSQL URL; SQLite files if absent")
    parser.add_argument(
        "--history", help="reports of each followed figure, comma-separated (e.g. 5,250,5000)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    figures = FIGURES
    if args.history:
        figures = {f"story-{n}": n for n in (int(h) for h in args.history.split(","))}
    summary = run(args.url, sizes, args.rounds, echo=not args.json, figures=figures)
    if args.json:
        print(json.dumps(summary))
        return
    spread = ", ".join(f"{s} {g:.2f}x" for s, g in summary["asof_growth"].items())
    print(f"growth of the answer/SQL ratio from {sizes[0]:,} to {sizes[-1]:,}: {spread}")


if __name__ == "__main__":
    main()
