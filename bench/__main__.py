"""`make bench`: every benchmark in turn; each prints ratios against a baseline of the same run."""

from __future__ import annotations

import sys

from bench import api, audit, core, feeds, peers, projection_cost, reads, routing

SMALL = {  # the comparisons with the peer, in small
    peers: ["--events", "2000", "--singles", "200"],
    projection_cost: ["--events", "2000", "--singles", "200"],
}

for module in (core, reads, feeds, routing, audit, api, peers, projection_cost):
    print(f"\n== {module.__name__}", flush=True)
    sys.argv = [module.__name__, *SMALL.get(module, [])]
    module.main()
