"""Audit benchmarks: what the Merkle tree costs appends, what proofs cost, and the log passes.

    .venv/bin/python -m bench.audit [--events 50000] [--batch 1000] [--leaves 1000000]
                                    [--url postgresql+psycopg://...]
    .venv/bin/python -m bench.audit --passes [--events 20000] [--url ...] [--only live,offline]
                                    [--repeat 5]

`--passes` measures the passes over the whole log (issue 10) instead, on a mixed log (articles
of about 1.5 KB, four reports each, one report in 25 retracted): `recount replay`, `replay
--check` with its peak RSS at two log sizes (N and 4N: memory must stay flat), `recount verify`
live and offline, `recount export` and `recount import`; each against the baseline of reading
every row of the log straight from the driver, measured just before it in the same process.
Each pass runs in a child process of its own, so each peak RSS is that pass's alone. With
`--repeat N` a child runs a pass that only reads (the baseline, `replay --check`, both verifies)
N times and gives its best and median rate: on a shared machine one run swings with the load.

- append throughput with the tree maintained (the `merkle_subtrees` hook) vs without it: two
  fresh databases of the same kind in the same process, batches appended alternately;
- proof time at --leaves leaves: the subtree table is filled directly from synthetic leaf hashes
  (with the same `Frontier` the append path uses), not from that many events, and the log head
  is set to match. The proofs read only `merkle_subtrees`, the events' leaf hashes and
  `log_head`, so this measures what a log of that size would cost them; the events are
  placeholders holding only their leaf hash;
- offline verification rate (events/s) of an export of the appended log, and the live one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update

from bench.core import START, fresh_archive, report
from domain.events import DocumentCaptured, PendingEvent, ReportRetracted, Source
from domain.frontier import Frontier
from domain.merkle import leaf_hash
from services.archive import Archive
from services.audit import (
    consistency_proof,
    export,
    import_export,
    inclusion_proof,
    make_checkpoint,
    replay,
    replay_check,
    tree_head,
    verify_export,
    verify_live,
)
from services.settings import Settings
from store import merkle
from store.database import stream_rows
from store.tables import events as events_table
from store.tables import log_head, merkle_subtrees


def append_throughput(url: str | None, events: int, batch: int) -> None:
    """Events/s with and without the tree, then how fast the log with the tree verifies."""
    rng = random.Random(6)
    with fresh_archive(url) as with_tree, fresh_archive(url) as without_tree:
        without_tree.events.on_append.remove(merkle.record)
        for archive in (with_tree, without_tree):  # one untimed warm-up batch each
            archive.events.append([PendingEvent(report(n, rng)) for n in range(-batch, 0)])
        timings = {"with": 0.0, "without": 0.0}
        for start in range(0, events, batch):
            pending = [PendingEvent(report(n, rng)) for n in range(start, start + batch)]
            for name, archive in _alternate(start // batch, with_tree, without_tree):
                began = time.perf_counter()
                archive.events.append(pending)
                timings[name] += time.perf_counter() - began
        rate_with, rate_without = events / timings["with"], events / timings["without"]
        print(f"append {events} events in batches of {batch}:")
        print(f"  with the tree    {rate_with:10,.0f} events/s")
        print(f"  without the tree {rate_without:10,.0f} events/s")
        print(f"  ratio            {rate_with / rate_without:10.2f}x  (goal >= 0.8x)")
        _verification_rate(with_tree)


def _alternate(turn: int, a: Archive, b: Archive) -> list[tuple[str, Archive]]:
    """Alternate which goes first, so neither always meets a warm cache."""
    pair = [("with", a), ("without", b)]
    return pair if turn % 2 == 0 else pair[::-1]


def _verification_rate(archive: Archive) -> None:
    size = archive.events.head()
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        export(archive, Path(folder))
        exported = time.perf_counter() - began
        began = time.perf_counter()
        verify_export(Path(folder))
        offline = time.perf_counter() - began
    began = time.perf_counter()
    verify_live(archive)
    live = time.perf_counter() - began
    print(f"export of {size} events: {size / exported:10,.0f} events/s")
    print(f"  offline verify   {size / offline:10,.0f} events/s  ({offline:.2f} s)")
    print(f"  live verify      {size / live:10,.0f} events/s  ({live:.2f} s)")


def proof_times(url: str | None, leaves: int) -> None:
    with fresh_archive(url) as archive:
        began = time.perf_counter()
        _fill_tree(archive, leaves)
        print(f"synthetic tree of {leaves:,} leaves stored in {time.perf_counter() - began:.1f} s")
        rng = random.Random(9)
        head_ms = _median_ms(lambda: tree_head(archive), 50)
        inclusion_ms = _median_ms(
            lambda: inclusion_proof(archive, rng.randrange(1, leaves + 1)), 200
        )
        consistency_ms = _median_ms(
            lambda: consistency_proof(archive, rng.randrange(1, leaves)), 200
        )
        print(f"at {leaves:,} leaves (median of random requests):")
        print(f"  tree head          {head_ms:8.2f} ms")
        print(f"  inclusion proof    {inclusion_ms:8.2f} ms")
        print(f"  consistency proof  {consistency_ms:8.2f} ms")


def _fill_tree(archive: Archive, leaves: int) -> None:
    """The tree of `leaves` synthetic leaf hashes, written as appends would write it.

    The subtrees above the leaves go to merkle_subtrees; each leaf goes to a placeholder event
    row (the proofs read a leaf from its event's `leaf_hash`).
    """
    frontier = Frontier()
    nodes: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    with archive.engine.begin() as connection:
        for n in range(leaves):
            digest = leaf_hash(hashlib.sha256(n.to_bytes(8, "big")).digest())
            rows.append(_placeholder_event(n + 1, digest))
            for level, index, node in frontier.append(digest)[1:]:
                nodes.append({"level": level, "node_index": index, "hash": node, "position": n + 1})
            if len(rows) >= 50_000:
                connection.execute(insert(events_table), rows)
                connection.execute(insert(merkle_subtrees), nodes)
                rows, nodes = [], []
        if rows:
            connection.execute(insert(events_table), rows)
        if nodes:
            connection.execute(insert(merkle_subtrees), nodes)
        connection.execute(update(log_head).values(position=leaves))


def _placeholder_event(position: int, digest: bytes) -> dict[str, Any]:
    return {
        "position": position,
        "event_id": f"bench-{position}",
        "stream_id": "bench",
        "version": position,
        "type": "Bench",
        "data": {},
        "metadata": {},
        "recorded_at": START,
        "idempotency_key": None,
        "leaf_hash": digest,
    }


def _median_ms(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


# --- the passes over the whole log ---------------------------------------------------------

WORDS = "police said at least people were killed in clashes on wednesday officials".split()


def mixed_log(count: int, rng: random.Random) -> list[PendingEvent]:
    """Articles (about 1.5 KB of text) with four reports each; one report in 25 retracted."""
    log: list[PendingEvent] = []
    article = 0
    while len(log) < count:
        document_id = hashlib.sha256(f"article {article}".encode()).hexdigest()[:32]
        text = " ".join(rng.choice(WORDS) for _ in range(220))
        when = START + timedelta(minutes=article)
        document = DocumentCaptured(
            document_id=document_id,
            subject=f"subject-{article % 50}",
            url=f"https://example.org/news/{article}",
            title=f"Article {article}",
            publisher="Example News",
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            text=text,
            published_at=when,
            captured_at=when + timedelta(minutes=3),
            entry_id=f"urn:article:{article}",
        )
        metadata = {"actor": "ingest", "extractor_version": "regex-5"}
        log.append(PendingEvent(document, None, f"document:{document_id}:v1", metadata))
        for n in range(4):
            source = Source(
                url=document.url, title=document.title, publisher="Example News",
                document_id=document_id,
            )  # fmt: skip
            figure = report(article * 4 + n, rng).model_copy(
                update={"subject": document.subject, "source": source}
            )
            log.append(PendingEvent(figure, None, f"report:{document_id}:{n}", metadata))
            if rng.random() < 0.04:
                withdrawn = ReportRetracted(
                    report_id=figure.report_id,
                    subject=figure.subject,
                    metric=figure.metric,
                    reason="the source corrected itself",
                )
                log.append(PendingEvent(withdrawn, metadata={"actor": "editor"}))
        article += 1
    return log[:count]


def passes(url: str | None, events: int, only: Sequence[str] = (), repeat: int = 1) -> None:
    """Each pass (or those named in `only`) over logs of N and 4N events, in child processes:
    rates, the pass's CPU seconds in the child (on SQLite all of its work, so the steadier
    figure on a loaded machine) and peak RSS."""
    print(f"passes over a mixed log, {events:,} and {4 * events:,} events:")
    print(
        f"  {'pass':<34}{'events':>9}{'events/s':>12}{'x baseline':>12}{'CPU s':>8}{'peak RSS':>11}"
        + (f"{'median ev/s':>13}" if repeat > 1 else "")
    )
    for size in (events, 4 * events):
        with fresh_archive(url) as archive, tempfile.TemporaryDirectory() as folder:
            log = mixed_log(size, random.Random(10))
            for start in range(0, size, 1000):
                archive.events.append(log[start : start + 1000])
            del log
            target = archive.settings.database_url
            key = Path(folder) / "signing.key"
            keyed = Archive.open(Settings(database_url=target, signing_key_path=key))
            make_checkpoint(keyed)
            keyed.close()
            export_dir = str(Path(folder) / "export")
            for name, label in PASSES.items():
                if only and name not in only:
                    continue
                result = _child(name, target, export_dir, repeat if name in REPEATABLE else 1)
                print(
                    f"  {label:<34}{size:>9,}{result['rate']:>12,.0f}"
                    f"{result['rate'] / result['baseline']:>11.2f}x{result['cpu']:>8.2f}"
                    f"{result['rss'] / 2**20:>9.0f} MB"
                    + (f"{result['median']:>13,.0f}" if repeat > 1 else ""),
                    flush=True,
                )


PASSES = {
    "baseline": "baseline: read every row (driver)",
    "replay": "recount replay",
    "check": "recount replay --check",
    "live": "recount verify (live)",
    "export": "recount export",
    "offline": "recount verify DIR (offline)",
    "import": "recount import DIR (SQLite file)",
}


REPEATABLE = {"baseline", "check", "live", "offline"}  # passes that only read


def _child(name: str, url: str, export_dir: str, repeat: int) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.audit", "--pass", name, "--url", url, export_dir]
    command += ["--repeat", str(repeat)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_pass(name: str, url: str, export_dir: Path, repeat: int = 1) -> None:
    """One pass in this (child) process, after the baseline read of the same log.

    Prints {"rate", "baseline", "cpu", "rss", "median"} as JSON: both rates measured back to
    back, so the ratio holds even when the machine's load changes between passes. Repeated,
    the pass's best run gives the rate and its CPU, with the median of the runs beside it.
    """
    key = export_dir.parent / "signing.key"
    archive = Archive.open(Settings(database_url=url, signing_key_path=key))
    size = archive.events.head()
    began = time.perf_counter()
    read_every_row(archive)
    baseline = size / (time.perf_counter() - began)
    runs = [_timed_pass(name, archive, export_dir, key) for _ in range(repeat)]
    elapsed, cpu = min(runs)
    archive.close()
    median = size / statistics.median(wall for wall, _ in runs)
    result = {
        "rate": size / elapsed, "baseline": baseline, "cpu": cpu, "rss": _peak_rss(),
        "median": median,
    }  # fmt: skip
    print(json.dumps(result))


def read_every_row(archive: Archive) -> None:
    """The passes' baseline: every row of the log straight from the driver, nothing done."""
    with archive.engine.connect() as connection:
        for _ in stream_rows(connection, "SELECT * FROM events ORDER BY position"):
            pass


def _timed_pass(name: str, archive: Archive, export_dir: Path, key: Path) -> tuple[float, float]:
    """(wall s, CPU s) of one run of the pass."""
    began, cpu = time.perf_counter(), time.process_time()
    if name == "baseline":
        read_every_row(archive)
    elif name == "replay":
        replay(archive)
    elif name == "check":
        assert replay_check(archive) is None
    elif name == "live":
        verify_live(archive)
    elif name == "export":
        export(archive, export_dir)
    elif name == "offline":
        verify_export(export_dir)
    elif name == "import":
        with tempfile.TemporaryDirectory() as folder:
            to = Settings(database_url=f"sqlite:///{Path(folder) / 'to.db'}", signing_key_path=key)
            target = Archive.open(to)
            target.migrate()
            began, cpu = time.perf_counter(), time.process_time()
            import_export(target, export_dir)
            target.close()
    return time.perf_counter() - began, time.process_time() - cpu


def _peak_rss() -> int:
    """This process's peak resident set, in bytes (Linux's VmHWM, which exec resets).

    Not getrusage's ru_maxrss: a child started by fork and exec inherits its parent's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--url", default=None, help="a PostgreSQL server (default: SQLite)")
    parser.add_argument("--passes", action="store_true", help="the passes over the whole log")
    parser.add_argument(
        "--only", default="", help="with --passes: those named, comma-separated (replay,check)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="with --passes: runs of each reading pass (best)"
    )
    parser.add_argument("--pass", dest="one_pass", choices=sorted(PASSES), help=argparse.SUPPRESS)
    parser.add_argument("export_dir", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_pass is not None:
        run_pass(args.one_pass, args.url, args.export_dir, args.repeat)
        return
    print(f"database: {'PostgreSQL' if args.url else 'SQLite (temporary files)'}")
    if args.passes:
        passes(args.url, args.events or 20_000, [n for n in args.only.split(",") if n], args.repeat)
        return
    append_throughput(args.url, args.events or 50_000, args.batch)
    proof_times(args.url, args.leaves)


if __name__ == "__main__":
    main()
