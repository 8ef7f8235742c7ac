"""Fewer indexes on reports: one timeline index serves every figure query.

Each index is written by every report appended. `ix_reports_timeline` (subject, metric,
reported_at, position) and `ix_reports_current` (the same with `eligible` after metric, and
value and retraction_position held) become one index in timeline order holding eligible, value
and retraction_position: the current report is the first eligible row walking back from
as_of, and a whole answer is one walk of the window read from the index alone.
`ix_reports_subject_position` had no query left. Only projection indexes change; the log is
untouched.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TIMELINE = ["subject", "metric", "reported_at", "position"]


def upgrade() -> None:
    op.drop_index("ix_reports_current", table_name="reports")
    op.drop_index("ix_reports_subject_position", table_name="reports")
    op.drop_index("ix_reports_timeline", table_name="reports")
    op.create_index(
        "ix_reports_timeline",
        "reports",
        [*TIMELINE, "eligible", "value", "retraction_position"],
    )


def downgrade() -> None:
    op.drop_index("ix_reports_timeline", table_name="reports")
    op.create_index("ix_reports_timeline", "reports", TIMELINE)
    op.create_index("ix_reports_subject_position", "reports", ["subject", "position"])
    op.create_index(
        "ix_reports_current",
        "reports",
        ["subject", "metric", "eligible", "reported_at", "position", "value"]
        + ["retraction_position"],
    )
