"""Replay one log several times in one process: the rate of each, and a profile if asked.

    .venv/bin/python -m bench.replays [--events 20000] [--times 3] [--profile]
    .venv/bin/python -m bench.replays --url postgresql+psycopg://...

The log is bench.peers' (N FigureReported events, reports only, appended in batches of 1,000).
`bench.peers` times one replay a process, right after its appends; replaying the same log again
and again here shows the replay's own spread, and `--profile` adds one more under cProfile
(its 30 costliest functions by own time). The baseline, as in bench.audit, is reading every row
of the log straight from the driver in the same process.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats

from bench.audit import read_every_row
from bench.core import fresh_archive
from bench.peers import RecountContender, payloads, rate
from services.audit import replay

BATCH = 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--times", type=int, default=3)
    parser.add_argument("--url", help="a PostgreSQL URL; a SQLite file if absent")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with fresh_archive(args.url) as archive:
        contender = RecountContender(archive, payloads(args.events, 1))
        for start in range(0, args.events, BATCH):
            contender.append(start, min(start + BATCH, args.events))
        baseline = rate(args.events, lambda: read_every_row(archive))
        print(f"baseline: read every row  {baseline:>10,.0f} events/s")
        for n in range(args.times):
            replayed = rate(args.events, lambda: replay(archive))
            print(f"replay {n + 1:<19} {replayed:>10,.0f} events/s  {replayed / baseline:.2f}x")
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(replay, archive)
            pstats.Stats(profile).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
