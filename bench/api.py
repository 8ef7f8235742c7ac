"""API benchmark: as-of figure answers under load, their size, and the SSE tail's delay.

    .venv/bin/python -m bench.api [--events 100000] [--workers 8] [--requests 4000] [--seconds 30]
                                  [--server-processes 1]

- Fills a fresh SQLite archive with N FigureReported events (50 subjects x 4 metrics).
- Starts `uvicorn api.app:create_app --factory` (with `--workers N` when `--server-processes N`)
  in a subprocess on a free loopback port and runs a threads-and-httpx load generator against
  one figure as of a moment, `GET /v1/subjects/{s}/figures/{metric}?as_of=...`, then a
  subject's figures, `GET /v1/subjects/{s}/figures?as_of=...`, each bounded in count and
  in time; prints requests/s, p50 and p99.
- Baseline: the same query and JSON serialization called in process, one at a time.
- Sizes: the bytes of each answer, and of the same figure with every report (the answer's size
  before reports came in pages).
- Live tail: opens `/v1/events/stream`, appends one event at a time and measures the delay from
  the append's commit to the frame's arrival.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from api.schemas import FigureOut, SubjectFiguresOut
from bench.core import METRICS, SUBJECTS, report
from domain.events import PendingEvent
from domain.figures import Window
from domain.times import parse_time
from services.archive import Archive
from services.figures import figure_answer, figures_as_of, stream_figures
from services.formats import stream_figure_json
from services.settings import Settings

AS_OF = ["2022-01-10", "2022-01-20", "2022-02-01", "2022-02-15", "2022-03-01"]


def fill(archive: Archive, count: int, batch: int = 2000) -> None:
    rng = random.Random(7)
    for start in range(0, count, batch):
        events = [PendingEvent(report(n, rng)) for n in range(start, min(count, start + batch))]
        archive.events.append(events)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(database_url: str, processes: int = 1) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "RECOUNT_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    if processes > 1:
        command += ["--workers", str(processes)]
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base}/v1/subjects", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def query(n: int) -> tuple[str, str]:
    return f"subject-{n % SUBJECTS}", AS_OF[n % len(AS_OF)]


def figure_url(n: int) -> tuple[str, dict[str, str]]:
    subject, as_of = query(n)
    return f"/v1/subjects/{subject}/figures/{METRICS[n // SUBJECTS % len(METRICS)]}", {
        "as_of": as_of
    }


def subject_url(n: int) -> tuple[str, dict[str, str]]:
    subject, as_of = query(n)
    return f"/v1/subjects/{subject}/figures", {"as_of": as_of}


def load(
    base: str,
    workers: int,
    requests: int,
    seconds: float,
    url: Callable[[int], tuple[str, dict[str, str]]] = subject_url,
) -> tuple[list[float], float]:
    """Latencies of up to `requests` calls from `workers` threads, stopped after `seconds`."""
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(requests))
    stop = time.monotonic() + seconds

    def work() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while time.monotonic() < stop:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                path, params = url(n)
                began = time.perf_counter()
                client.get(path, params=params).raise_for_status()
                with lock:
                    latencies.append(time.perf_counter() - began)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - began


def in_process(archive: Archive, requests: int, figure: bool = False) -> tuple[list[float], float]:
    latencies = []
    began = time.perf_counter()
    for n in range(requests):
        subject, as_of = query(n)
        start = time.perf_counter()
        if figure:
            metric = METRICS[n // SUBJECTS % len(METRICS)]
            found, _ = figure_answer(archive, subject, metric, Window(parse_time(as_of)))
            FigureOut.encoded(found, "")
        else:
            result = figures_as_of(archive, subject, Window(parse_time(as_of)))
            SubjectFiguresOut.of(result, "").model_dump_json()
        latencies.append(time.perf_counter() - start)
    return latencies, time.perf_counter() - began


def sizes(base: str, archive: Archive) -> str:
    """Bytes of a figure answer, a subject answer, and of the figure with every report."""
    path, params = figure_url(0)
    figure = len(httpx.get(base + path, params=params).content)
    path, params = subject_url(0)
    subject = len(httpx.get(base + path, params=params).content)
    subject_name, as_of = query(0)
    _, streams = stream_figures(archive, [subject_name], METRICS[0], Window(parse_time(as_of)))
    whole = next(streams)
    unbounded = sum(
        len(chunk.encode())
        for chunk in stream_figure_json(whole.summary, whole.revisions, whole.reports)
    )
    return (
        f"answer sizes: one figure {figure:,} bytes ({whole.summary.reports_total} reports, "
        f"{unbounded:,} bytes with every report); a subject's figures {subject:,} bytes"
    )


def tail_delay(base: str, archive: Archive, samples: int) -> list[float]:
    """Seconds from an append's return to its frame arriving on the SSE tail."""
    delays: list[float] = []
    rng = random.Random(11)
    head = archive.events.head()
    with httpx.stream("GET", f"{base}/v1/events/stream", params={"after": head}, timeout=30) as r:
        lines = r.iter_lines()
        for n in range(samples):
            time.sleep(0.05 + rng.random() * 0.2)  # land at random points of the poll cycle
            appended = archive.events.append([PendingEvent(report(10**7 + n, rng))])
            sent = time.perf_counter()
            position = appended.appended[0].position
            for line in lines:
                if line == f"id: {position}":
                    delays.append(time.perf_counter() - sent)
                    break
    return delays


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(name: str, latencies: list[float], elapsed: float) -> str:
    rate = len(latencies) / elapsed
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    return f"{name:<28} {len(latencies):>5} req  {rate:8.1f} req/s  {_spread(p50, p99)}"


def _spread(p50: float, p99: float) -> str:
    return f"p50 {p50 * 1000:7.1f} ms  p99 {p99 * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--tail-samples", type=int, default=30)
    parser.add_argument(
        "--server-processes", type=int, default=1, help="uvicorn worker processes (`--workers`)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        archive = Archive.open(Settings(database_url=url))
        archive.migrate()
        began = time.perf_counter()
        fill(archive, args.events)
        print(f"filled {args.events} events in {time.perf_counter() - began:.1f} s")
        baseline = in_process(archive, min(args.requests, 500), figure=True)
        print(summary("figure, in process", *baseline))
        print(summary("subject, in process", *in_process(archive, min(args.requests, 100))))
        with server(url, args.server_processes) as base:
            print(sizes(base, archive))
            load(base, args.workers, 64, 10, figure_url)  # warm up
            latencies, elapsed = load(base, args.workers, args.requests, args.seconds, figure_url)
            print(summary(f"figure, HTTP, {args.workers} clients", latencies, elapsed))
            latencies, elapsed = load(base, args.workers, args.requests, args.seconds)
            print(summary(f"subject, HTTP, {args.workers} clients", latencies, elapsed))
            delays = tail_delay(base, archive, args.tail_samples)
        spread = _spread(statistics.median(delays), percentile(delays, 0.99))
        print(f"{'SSE tail delay':<28} {len(delays):>5} events  {spread}")
        archive.close()


if __name__ == "__main__":
    main()
