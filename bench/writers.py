"""Concurrent HTTP writers: acknowledged report writes per second, 8 writers against 1.

    .venv/bin/python -m bench.writers --url postgresql+psycopg://... [--writers 8] [--seconds 20]

A fresh database (a new schema on the PostgreSQL server --url names; a SQLite file without it)
served by `uvicorn api.app:create_app --factory` in a subprocess on loopback. Each writer is a
thread with its own `httpx.Client` and a token, posting `POST /v1/subjects/{s}/reports` (each
writer its own subject, metrics in turn) one after the other for --seconds. The baseline is one
writer alone for the same time, in the same run. Afterwards the log must hold exactly the
acknowledged writes, at gapless positions.
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

import httpx

from bench.api import percentile, server
from bench.core import METRICS, fresh_archive
from services.archive import Archive
from services.tokens import create_token


def body(writer: int, n: int) -> dict[str, object]:
    return {
        "metric": METRICS[n % len(METRICS)],
        "value": 100 + n,
        "qualifier": "at_least",
        "quote": f"at least {100 + n} people",
        "reported_at": f"2022-01-{1 + n % 28:02d}T{n % 24:02d}:00:00Z",
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


def run(base: str, token: str, writers: int, seconds: float, offset: int) -> Run:
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
                answer = client.post(f"/v1/subjects/{subject}/reports", json=body(writer, n))
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
        alone = run(base, token, 1, args.seconds, 0)
        together = run(base, token, args.writers, args.seconds, 10)
        acknowledged = warm.acknowledged + alone.acknowledged + together.acknowledged
        report = {
            "database": "postgresql" if args.url else "sqlite",
            "one_writer": asdict(alone),
            "concurrent": asdict(together),
            "scaling": round(together.writes_per_s / alone.writes_per_s, 2),
            "log_holds_exactly_the_acknowledged_writes": gapless(archive, acknowledged),
        }
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
