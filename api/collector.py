"""The garbage collector of a serving process: the process's long-lived objects set aside once,
and young objects collected less often.

A server process holds some hundreds of thousands of long-lived objects (SQLAlchemy, FastAPI,
pydantic, the app's own tables and models). Every full collection walked them all: measured
under the API benchmark, three full collections in a 20 s run stopped the event loop and every
thread for 184 ms in all, one of them for 124 ms, which is the p99 of the figure route
(bench/README.md, issue 10). `gc.freeze()` once the app is built moves what exists then out
of the collector's reach (it is never collected, and a serving process never drops its
imports); a larger first threshold makes the young collections fewer.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # allocations between young collections (the interpreter's default: 700)

_frozen = False


def settle_the_heap() -> None:
    """Once a process: freeze what it holds after start-up, and collect the young less often.

    Only the first app of a process does it: a test process making many apps keeps what each
    later app left at start-up collectable.
    """
    global _frozen
    if _frozen:
        return
    _frozen = True
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
    gc.freeze()
