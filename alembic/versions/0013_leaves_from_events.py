"""The Merkle tree's leaves are read from the events; `merkle_subtrees` keeps the levels above.

Every level-0 subtree was a copy of its event's `leaf_hash`, written by the same append: about
half the rows an append wrote to `merkle_subtrees`. The table is a projection, not the log, so
its level-0 rows are deleted; the log is untouched. The downgrade writes them back from the
events.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM merkle_subtrees WHERE level = 0")


def downgrade() -> None:
    op.execute(
        "INSERT INTO merkle_subtrees (level, node_index, hash, position) "
        "SELECT 0, position - 1, leaf_hash, position FROM events"
    )
