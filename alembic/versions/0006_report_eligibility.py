"""Bounded, indexed reads: a "may be current" column on reports and the index that walks it.

The column is the domain's eligibility rule without the retraction (numeric, not vague, status
`reported`, not a breakdown); existing rows are filled by the same rule in SQL. Only projection
rows change here; the log is untouched.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Frozen here, as of this revision: the vague qualifiers that never become current.
VAGUE = ("dozens", "hundreds", "thousands", "several_thousand", "tens_of_thousands", "millions")


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(
            sa.Column("eligible", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    reports = sa.table(
        "reports",
        sa.column("eligible", sa.Boolean()),
        sa.column("value", sa.BigInteger()),
        sa.column("status", sa.String()),
        sa.column("subset_of", sa.Text()),
        sa.column("qualifier", sa.String()),
    )
    op.execute(
        reports.update()
        .where(
            reports.c.value.is_not(None),
            reports.c.status == "reported",
            reports.c.subset_of.is_(None),
            reports.c.qualifier.not_in(VAGUE),
        )
        .values(eligible=True)
    )
    op.create_index(
        "ix_reports_current",
        "reports",
        [
            "subject",
            "metric",
            "eligible",
            "reported_at",
            "position",
            "value",
            "retraction_position",
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_reports_current", table_name="reports")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("eligible")
