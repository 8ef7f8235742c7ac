"""What an append leaves on its connection for the next append: state it need not read again.

Projectors are plain functions of (connection, events), yet some work depends on state the last
append just computed, such as the Merkle tree's right edge.
Such a projector `keep`s what it computed under a key, tagged with the log size it holds for,
and the next append on the same connection `recall`s it only when it starts at exactly that
size. Positions are gapless and the log only grows, so nothing can have changed the state in
between, whichever process appended meanwhile (it would have moved the head). What `keep` gets
is staged: the event store makes it current only once the append has committed (`settle`), so
a rolled-back append leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

KEPT = "recount.memo"
STAGED = "recount.memo.staged"


def recall(connection: Connection, key: str, size: int) -> Any | None:
    """What was kept under `key` for a log of exactly `size` events, if anything."""
    kept: dict[str, tuple[int, Any]] = connection.info.get(KEPT, {})
    found = kept.get(key)
    return found[1] if found is not None and found[0] == size else None


def keep(
    connection: Connection,
    key: str,
    size: int,
    value: Any,
    then: Callable[[], None] | None = None,
) -> None:
    """Stage `value` as the state under `key` for a log of `size` events.

    `then` runs when the append commits, before `value` becomes current: a way to bring a large
    recalled value up to date in place rather than copy it on every append.
    """
    connection.info.setdefault(STAGED, {})[key] = (size, value, then)


def settle(connection: Connection, committed: bool) -> None:
    """After an append: what it staged becomes current if it committed, else is dropped."""
    staged: dict[str, tuple[int, Any, Callable[[], None] | None]] = connection.info.pop(STAGED, {})
    if not committed:
        return
    kept = connection.info.setdefault(KEPT, {})
    for key, (size, value, then) in staged.items():
        if then is not None:
            then()
        kept[key] = (size, value)
