"""Token roles, feed credentials kept apart from the log, and what a poll had to cut.

- `api_tokens.role`: `writer` (retracts only its own reports) or `editor` (any report);
  tokens made before this revision are writers.
- `feed_credentials`: a feed's userinfo or headers, encrypted with the secrets key; the
  FeedAdded event names a row by its id and never holds the secret. Not a projection.
- `feeds.credential_id`: the projection of that reference.
- `feed_state.last_truncated`, `last_deferred`, `last_cut`: entries whose text was cut and
  entries left for the next poll, as an operator reads them in `recount feeds list`.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=20), nullable=False, server_default="writer")
        )
    op.create_table(
        "feed_credentials",
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("credential_id"),
    )
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credential_id", sa.String(length=36), nullable=True))
    with op.batch_alter_table("feed_state", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_truncated", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("last_deferred", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("last_cut", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feed_state", schema=None) as batch_op:
        batch_op.drop_column("last_cut")
        batch_op.drop_column("last_deferred")
        batch_op.drop_column("last_truncated")
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.drop_column("credential_id")
    op.drop_table("feed_credentials")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("role")
