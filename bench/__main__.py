"""`make bench`: every benchmark in turn; each prints ratios against a baseline of the same run."""

from __future__ import annotations

import sys

from bench import api, audit, core, feeds

for module in (core, feeds, audit, api):
    print(f"\n== {module.__name__}", flush=True)
    sys.argv = [module.__name__]
    module.main()
