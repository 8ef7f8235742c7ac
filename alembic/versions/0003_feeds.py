"""issue-5: registered feeds and their polling state.

`feeds` is a projection of the feed events (replay rebuilds it); `feed_state` is operational
state that workers update in place and replay leaves alone.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("feed_id", sa.String(length=36), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("feed_id"),
    )
    op.create_table(
        "feed_state",
        sa.Column("feed_id", sa.String(length=36), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=20), nullable=True),
        sa.Column("last_http_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_new", sa.Integer(), nullable=False),
        sa.Column("last_changed", sa.Integer(), nullable=False),
        sa.Column("last_unchanged", sa.Integer(), nullable=False),
        sa.Column("last_reports", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("feed_id"),
    )
    with op.batch_alter_table("feed_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_state_next_poll_at"), ["next_poll_at"])


def downgrade() -> None:
    with op.batch_alter_table("feed_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_state_next_poll_at"))
    op.drop_table("feed_state")
    op.drop_table("feeds")
