"""`make bench`: every benchmark in turn; each prints ratios against a baseline of the same run."""

from __future__ import annotations

import sys

from bench import api, audit, core, feeds, reads

for module in (core, reads, feeds, audit, api):
    print(f"\n== {module.__name__}", flush=True)
    sys.argv = [module.__name__]
    module.main()
