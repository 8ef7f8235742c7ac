"""The threads an app's blocking writes run on: its own pool, handed work by asyncio itself;
and how often they give the interpreter back to the event loop.

A `def` route goes to anyio's thread pool (a capacity limiter, a cancel scope and a context
copy per call); a report's append is the hot write path, so it goes to this pool instead,
through the event loop's own hand-off: less of the loop's time per request, measured in
bench/README.md (issue 10). The appends still meet in `store.group_commit`, so the pool is as
large as the number of writes worth gathering into one transaction.

The event loop and the write threads share one interpreter lock. When the loop comes back from
the database driver (which lets go of the lock while it waits) it waits for the lock until a
thread running Python hands it over, by default after 5 ms: the loop's every round trip cost up
to that much under eight writers (py-spy: most of the loop's time in a token read was spent
getting the lock back). A switch interval of 1 ms makes that wait short; measured in
bench/README.md (issue 10).
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from starlette.requests import Request

WRITE_THREADS = 32
SWITCH_INTERVAL = 0.001  # seconds a thread runs Python before offering the lock (default 0.005)

P = ParamSpec("P")
T = TypeVar("T")


def favour_the_loop() -> None:
    """Let the event loop have the interpreter back soon after its I/O (the process's setting:
    the app factory sets it, an app serves the whole process)."""
    sys.setswitchinterval(SWITCH_INTERVAL)


def write_pool() -> ThreadPoolExecutor:
    """An app's pool (the factory makes one; its lifespan shuts it down)."""
    return ThreadPoolExecutor(WRITE_THREADS, thread_name_prefix="recount-write")


async def in_write_thread(
    request: Request, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """`work(*args, **kwargs)` on the app's write pool; the loop serves others meanwhile."""
    pool: ThreadPoolExecutor = request.app.state.writes
    call = functools.partial(work, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(pool, call)
