"""What the read models cost an append: Recount with its projectors and with none, against the peer.

    .venv/bin/python -m bench.projection_cost [--events 20000] [--singles 1000] [--url postgresql+psycopg://...]

Issue 10 asks for appends at or above `eventsourcing` with the projections in the append's
transaction. This asks what the appends would come to if they were not: a second archive whose
event store runs no projector (the events with their checks, canonical bytes and leaf hashes,
the Merkle subtrees and the head, nothing else) takes turns with the whole append and the peer,
on the same payloads and settings as `bench.peers`. Prints each contender's events/s and its
ratio to the peer, for batches of 1,000 and for single-event appends. The archive without
projectors is only measured here: nothing in Recount runs that way.
"""

from __future__ import annotations

import argparse
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench.core import fresh_archive
from bench.peers import PeerContender, RecountContender, frozen, payloads, peer_recorder, take_turns

BATCH = 1000


class WithoutProjections(RecountContender):
    name = "recount_without_projections"


def rates(url: str | None, count: int, size: int, seed: int) -> dict[str, float]:
    """Events/s of the three contenders, each on a fresh database, appending in turns."""
    work = payloads(count, seed)
    with ExitStack() as stack:
        whole = stack.enter_context(fresh_archive(url))
        bare = stack.enter_context(fresh_archive(url))
        bare.events.on_append.clear()  # the projectors' hooks: the log and its tree stay
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        recorder = stack.enter_context(peer_recorder(url, folder))
        contenders = [
            RecountContender(whole, work),
            WithoutProjections(bare, work),
            PeerContender(recorder, work),
        ]
        spent = frozen(lambda: take_turns(contenders, count, size))
    return {name: count / seconds for name, seconds in spent.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--singles", type=int, default=1000)
    parser.add_argument("--url", help="a PostgreSQL URL; SQLite files if absent")
    args = parser.parse_args()
    for label, count, size, seed in (
        ("batch", args.events, BATCH, 1),
        ("single", args.singles, 1, 2),
    ):
        found = rates(args.url, count, size, seed)
        peer = found[PeerContender.name]
        for name, rate in found.items():
            print(f"{label:<7}{name:<29}{rate:>10,.0f} events/s  {rate / peer:.3f}x the peer")


if __name__ == "__main__":
    main()
