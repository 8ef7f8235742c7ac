"""issue-6: the Merkle tree's stored subtree hashes, signed checkpoints, key history.

Revision ID: 0002
Revises: 0001

A database that already holds events gets its subtrees computed from their stored leaf hashes,
in position order, so the tree covers the whole log from the first append after the upgrade.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from alembic import op
from domain.frontier import Frontier

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BACKFILL_BATCH = 5000


def upgrade() -> None:
    op.create_table(
        "merkle_subtrees",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("node_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("level", "node_index"),
    )
    op.create_index("ix_merkle_subtrees_position", "merkle_subtrees", ["position"])
    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tree_size", sa.Integer(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("timestamp", sa.String(length=40), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("created_position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_checkpoints_tree_size", "checkpoints", ["tree_size"])
    op.create_table(
        "signing_keys",
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("since_position", sa.Integer(), nullable=False),
        sa.Column("previous_key_id", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("key_id"),
    )
    backfill_subtrees()


def backfill_subtrees() -> None:
    """Subtrees for events appended before this revision, from their stored leaf hashes."""
    connection = op.get_bind()
    table = sa.table(
        "merkle_subtrees",
        sa.column("level", sa.Integer()),
        sa.column("node_index", sa.Integer()),
        sa.column("hash", sa.LargeBinary()),
        sa.column("position", sa.Integer()),
    )
    frontier = Frontier()
    rows: list[dict[str, Any]] = []
    result = connection.execute(
        sa.text("SELECT position, leaf_hash FROM events ORDER BY position")
    ).all()
    for position, leaf in result:
        created = frontier.append(bytes(leaf))
        rows.extend(
            {"level": lv, "node_index": i, "hash": h, "position": position} for lv, i, h in created
        )
        if len(rows) >= BACKFILL_BATCH:
            connection.execute(sa.insert(table), rows)
            rows = []
    if rows:
        connection.execute(sa.insert(table), rows)


def downgrade() -> None:
    op.drop_table("signing_keys")
    op.drop_index("ix_checkpoints_tree_size", table_name="checkpoints")
    op.drop_table("checkpoints")
    op.drop_index("ix_merkle_subtrees_position", table_name="merkle_subtrees")
    op.drop_table("merkle_subtrees")
