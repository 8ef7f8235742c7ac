"""`make bench`: every benchmark in turn; each prints ratios against a baseline of the same run."""

from __future__ import annotations

import sys

from bench import api, audit, core, feeds, peers, reads, routing

SMALL = {peers: ["--events", "2000", "--singles", "200"]}  # the peers' comparison, in small

for module in (core, reads, feeds, routing, audit, api, peers):
    print(f"\n== {module.__name__}", flush=True)
    sys.argv = [module.__name__, *SMALL.get(module, [])]
    module.main()
