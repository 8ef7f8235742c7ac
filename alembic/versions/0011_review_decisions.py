"""The review desk: its decisions' read model, and the pages' sign-in sessions.

- `review_decisions`: one row per decision on a report (confirmed, corrected, rejected,
  entered), at the position of the event that made it; a projection, rebuilt by replay. Filled
  here from the log already held: reports typed by hand and retractions made by people.
- `review_sessions`: a signed-in reviewer's session (hashes only); not a projection.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op
from store import review
from store.log import recorded_event
from store.tables import events

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_decisions",
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("metric", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("corrects", sa.String(length=36), nullable=True),
        sa.Column("corrected_by", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("report_id", "position"),
    )
    op.create_index("ix_review_decisions_subject", "review_decisions", ["subject"])
    op.create_table(
        "review_sessions",
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("token_id", sa.String(length=36), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_hash"),
    )
    connection = op.get_bind()
    earlier = sa.select(events).where(events.c.type.in_(sorted(review.DECIDING_TYPES)))
    batch = []
    for row in connection.execute(earlier.order_by(events.c.position)).mappings():
        batch.append(recorded_event(row))
        if len(batch) >= 1000:
            review.apply(connection, batch)
            batch = []
    review.apply(connection, batch)


def downgrade() -> None:
    op.drop_table("review_sessions")
    op.drop_index("ix_review_decisions_subject", table_name="review_decisions")
    op.drop_table("review_decisions")
