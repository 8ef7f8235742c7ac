"""Audit benchmarks (issue 6): what the Merkle tree costs appends, and what proofs cost.

    .venv/bin/python -m bench.audit [--events 50000] [--batch 1000] [--leaves 1000000]
                                    [--url postgresql+psycopg://...]

- append throughput with the tree maintained (the `merkle_subtrees` hook) vs without it: two
  fresh databases of the same kind in the same process, batches appended alternately;
- proof time at --leaves leaves: the subtree table is filled directly from synthetic leaf hashes
  (with the same `Frontier` the append path uses), not from that many events, and the log head
  is set to match. The proofs read only `merkle_subtrees` and `log_head`, so this measures what
  a log of that size would cost them; the events table stays empty;
- offline verification rate (events/s) of an export of the appended log, and the live one.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update

from bench.core import fresh_archive, report
from domain.events import PendingEvent
from domain.frontier import Frontier
from domain.merkle import leaf_hash
from services.archive import Archive
from services.audit import (
    consistency_proof,
    export,
    inclusion_proof,
    tree_head,
    verify_export,
    verify_live,
)
from store import merkle
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
    """merkle_subtrees for `leaves` synthetic leaf hashes, written as appends would write them."""
    frontier = Frontier()
    rows: list[dict[str, Any]] = []
    with archive.engine.begin() as connection:
        for n in range(leaves):
            digest = leaf_hash(hashlib.sha256(n.to_bytes(8, "big")).digest())
            for level, index, node in frontier.append(digest):
                rows.append({"level": level, "node_index": index, "hash": node, "position": n + 1})
            if len(rows) >= 50_000:
                connection.execute(insert(merkle_subtrees), rows)
                rows = []
        if rows:
            connection.execute(insert(merkle_subtrees), rows)
        connection.execute(update(log_head).values(position=leaves))


def _median_ms(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--url", default=None, help="a PostgreSQL server (default: SQLite)")
    args = parser.parse_args()
    print(f"database: {'PostgreSQL' if args.url else 'SQLite (temporary files)'}")
    append_throughput(args.url, args.events, args.batch)
    proof_times(args.url, args.leaves)


if __name__ == "__main__":
    main()
