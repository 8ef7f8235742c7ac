"""One b-tree fewer per Merkle row: `ix_merkle_subtrees_position` is dropped.

Every append writes about one `merkle_subtrees` row per event, each an entry in the primary
key (level, node_index) and in this index. A subtree's position is a function of its key (the
append of event (node_index + 1) << level completed it), so the live verification reads the
subtrees a chunk of events completed, and those past the head, by primary-key ranges
(store/audit.py `completed_ranges`, `beyond_bounds`): nothing reads by position any more.
The column stays, written as before: dropping it would rebuild the table on SQLite.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_merkle_subtrees_position", table_name="merkle_subtrees")


def downgrade() -> None:
    op.create_index("ix_merkle_subtrees_position", "merkle_subtrees", ["position"])
