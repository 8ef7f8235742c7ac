"""Signed tree heads, made from the stored tree and kept in `checkpoints`.

`make_checkpoint` is what `recount checkpoint`, `recount export` and (on a schedule) the worker
call, through services/audit.py. Each one is stored, so `recount verify` holds the live log to
every head it ever signed, and an auditor can ask for the head of any size that was published.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, insert, select

from domain.checkpoints import Checkpoint, sign_checkpoint
from domain.times import format_time
from store.merkle import head, root_at
from store.tables import checkpoints


def make_checkpoint(engine: Engine, key: Ed25519PrivateKey, moment: datetime) -> Checkpoint:
    """Sign the log's current head (size, root, time) with `key` and store the checkpoint."""
    with engine.begin() as connection:
        size = head(connection)
        checkpoint = sign_checkpoint(size, root_at(connection, size), format_time(moment), key)
        connection.execute(insert(checkpoints).values(**_row(checkpoint), created_position=size))
    return checkpoint


def keep_checkpoint(connection: Connection, checkpoint: Checkpoint) -> None:
    """Store a checkpoint signed elsewhere (an import's): `recount verify` holds the log to it."""
    connection.execute(
        insert(checkpoints).values(**_row(checkpoint), created_position=checkpoint.tree_size)
    )


def latest_checkpoint(engine: Engine) -> Checkpoint | None:
    """The checkpoint signed last, or None before the first."""
    query = select(checkpoints).order_by(checkpoints.c.id.desc()).limit(1)
    with engine.connect() as connection:
        row = connection.execute(query).mappings().first()
    return None if row is None else checkpoint_of(row)


def checkpoint_at(engine: Engine, tree_size: int) -> Checkpoint | None:
    """The last checkpoint signed for a tree of `tree_size` events, if any."""
    query = (
        select(checkpoints)
        .where(checkpoints.c.tree_size == tree_size)
        .order_by(checkpoints.c.id.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        row = connection.execute(query).mappings().first()
    return None if row is None else checkpoint_of(row)


def stored_checkpoints(connection: Connection) -> list[Checkpoint]:
    """Every stored checkpoint, in the order they were signed."""
    rows = connection.execute(select(checkpoints).order_by(checkpoints.c.id)).mappings()
    return [checkpoint_of(row) for row in rows]


def checkpoint_of(row: Any) -> Checkpoint:
    return Checkpoint(
        tree_size=row["tree_size"],
        root_hash=bytes(row["root_hash"]),
        timestamp=row["timestamp"],
        key_id=row["key_id"],
        signature=bytes(row["signature"]),
    )


def _row(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash,
        "timestamp": checkpoint.timestamp,
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
    }
