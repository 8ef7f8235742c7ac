"""Concurrent HTTP writers: acknowledged report writes per second, 8 writers against 1.

    .venv/bin/python -m bench.writers --url postgresql+psycopg://... [--writers 8] [--seconds 20]

A fresh database (a new schema on the PostgreSQL server --url names; a SQLite file without it)
served by `uvicorn api.app:create_app --factory` in a subprocess on loopback. Each writer is a
thread with its own `httpx.Client` and a token, posting `POST /v1/subjects/{s}/reports` (each
writer its own subject, metrics in turn) one after the other for --seconds. The baseline is one
writer alone for the same time, in the same run. Afterwards the log must hold exactly the
acknowledged writes, at gapless positions.

Two cases, each on subjects of its own, because where a report falls on its figure's timeline
decides what its write costs (store/ordinals.py):
- news as it comes (the top-level `one_writer`, `concurrent`, `scaling`): each writer's reports
  dated later than its last, as a feed or a reporter following a story sends them. Each report
  is numbered on from its figure's last row; nothing stored is written again. This is the
  default because it is what an archive mostly receives.
- backdated (under `backdated`): the report dates cycle (day `1 + n % 28`, hour `n % 24`), so
  after a figure's first few reports nearly every one is dated before the figure's latest, as
  when an archive is filled in from old coverage; each such write numbers again every later row
  of its figure, a cost that grows with the figure's history (rows after it).
`log_holds_exactly_the_acknowledged_writes` covers every write of both cases.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import httpx

from bench.api import percentile, server
from bench.core import METRICS, fresh_archive
from services.archive import Archive
from services.tokens import create_token

START = datetime(2022, 1, 1, tzinfo=UTC)


def body(writer: int, n: int, backdated: bool) -> dict[str, object]:
    """The writer's `n`th report: dated a minute after its last, or on a cycling date."""
    if backdated:
        reported_at = f"2022-01-{1 + n % 28:02d}T{n % 24:02d}:00:00Z"
    else:
        reported_at = (START + timedelta(minutes=n)).isoformat().replace("+00:00", "Z")
    return {
        "metric": METRICS[n % len(METRICS)],
        "value": 100 + n,
        "qualifier": "at_least",
        "quote": f"at least {100 + n} people",
        "reported_at": reported_at,
        "source": {"url": f"https://example.org/{writer}/{n}", "title": "T", "publisher": "P"},
    }


@dataclass
class Run:
    writers: int
    acknowledged: int
    failed: int
    writes_per_s: float
    p50_ms: float | None
    p99_ms: float | None


def run(
    base: str, token: str, writers: int, seconds: float, offset: int, backdated: bool = False
) -> Run:
    """`writers` threads posting reports for `seconds`; what was acknowledged and how fast."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {token}"}
    stop = time.monotonic() + seconds

    def work(writer: int) -> None:
        subject = f"writer-{offset + writer}"
        with httpx.Client(base_url=base, timeout=30, headers=headers) as client:
            n = 0
            while time.monotonic() < stop:
                began = time.perf_counter()
                report = body(writer, n, backdated)
                answer = client.post(f"/v1/subjects/{subject}/reports", json=report)
                took = time.perf_counter() - began
                with lock:
                    if answer.status_code == 201:
                        latencies.append(took)
                    else:
                        failures.append(answer.status_code)
                n += 1

    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return Run(
        writers,
        len(latencies),
        len(failures),
        round(len(latencies) / elapsed, 1),
        round(statistics.median(latencies) * 1000, 1) if latencies else None,
        round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
    )


@contextmanager
def served(url: str | None) -> Iterator[tuple[Archive, str]]:
    with fresh_archive(url) as archive, server(archive.engine.url.render_as_string(False)) as base:
        yield archive, base


def gapless(archive: Archive, acknowledged: int) -> bool:
    positions = [e.position for e in archive.events.read()]
    return positions == list(range(1, acknowledged + 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", help="a PostgreSQL URL; a SQLite file if absent")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    with served(args.url) as (archive, base):
        token = create_token(archive, "bench-writers")
        warm = run(base, token, 2, 2, 1000)  # the server's imports, pools and caches
        in_order = phases(base, token, args.writers, args.seconds, 0, backdated=False)
        backdated = phases(base, token, args.writers, args.seconds, 100, backdated=True)
        acknowledged = warm.acknowledged + sum(
            r.acknowledged for case in (in_order, backdated) for r in case
        )
        report = {
            "database": "postgresql" if args.url else "sqlite",
            **summary(*in_order),
            "backdated": summary(*backdated),
            "log_holds_exactly_the_acknowledged_writes": gapless(archive, acknowledged),
        }
        print(json.dumps(report, indent=2))


def phases(
    base: str, token: str, writers: int, seconds: float, offset: int, backdated: bool
) -> tuple[Run, Run]:
    """One writer alone, then `writers` together, on subjects no other phase writes."""
    alone = run(base, token, 1, seconds, offset, backdated)
    together = run(base, token, writers, seconds, offset + 10, backdated)
    return alone, together


def summary(alone: Run, together: Run) -> dict[str, object]:
    return {
        "one_writer": asdict(alone),
        "concurrent": asdict(together),
        "scaling": round(together.writes_per_s / alone.writes_per_s, 2),
    }


if __name__ == "__main__":
    main()
