"""How often the worker looks for due feeds, how many it polls at once, and how often it signs.

The worker itself (services/worker.py) runs these; the timing of each feed's next poll, after a
success or a failure, is in ingest/poll.py.
"""

from __future__ import annotations

DISPATCH_SECONDS = 5.0
CONCURRENCY = 4
CHECKPOINT_EVERY = 3600.0
ENTRIES_PER_POLL = 500  # new or changed entries one poll captures; the rest wait (ingest/poll.py)
