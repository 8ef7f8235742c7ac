"""A report's numbers are rewritten in place: no index holds `revision`, and pages keep room.

A report dated before others of its figure numbers every later row of the figure again
(store/ordinals.py `renumber`): each gets a new `ordinal` and, usually, a new `revision`. On
PostgreSQL an UPDATE that changes no indexed column, on a page with room for the new row
version, is a heap-only (HOT) update: no new entry in any of the table's indexes, and the old
version is pruned from the page. `ix_reports_revisions` held `revision`, so every renumbered
row wrote a new entry in each of the reports' four indexes. It is replaced by
`ix_reports_changes`, the timeline of the revisions only (a partial index on `changed`): the
latest N revisions up to a time are the last N entries of that range, the same rows as the
revision numbers' range (store/figures.py reads each one's `revision` from its row).
`fillfactor = 80` leaves a fifth of each new reports page free for the rewritten versions
(pages written before stay full until rewritten). Only the projection's indexes change.

Revision ID: 0020
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None

CHANGES = ("subject", "metric", "reported_at", "position")
FILLFACTOR = 80


def upgrade() -> None:
    op.drop_index("ix_reports_revisions", table_name="reports")
    op.create_index(
        "ix_reports_changes",
        "reports",
        list(CHANGES),
        postgresql_where=sa.text("changed"),
        sqlite_where=sa.text("changed"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE reports SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE reports RESET (fillfactor)")
    op.drop_index("ix_reports_changes", table_name="reports")
    op.create_index(
        "ix_reports_revisions", "reports", ["subject", "metric", "changed", "revision", "position"]
    )
