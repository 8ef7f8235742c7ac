"""Each report's place in its figure's timeline: ordinal, revision flag, revisions so far.

A figure's answer walked every report of the figure in its window for its counts and its
revisions, a cost that grew with the figure's history. The reports projection now keeps, per
report, its rank on the figure's timeline (`ordinal`), whether it is a revision (`changed`)
and the revisions up to it (`revision`), as store/ordinals.py describes, with an index to read
the latest revisions by number. Existing rows are numbered here as a replay numbers them
(store/ordinals.py's `NUMBER_ALL`, from the start of every timeline, written out here so this
migration stays as written when the code moves on). Only the projection
changes; the log is untouched.

Revision ID: 0014
Revises: 0016 (merged to main before this revision)
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0014"
down_revision = "0016"
branch_labels = None
depends_on = None

NUMBER_ALL = """WITH starts AS (SELECT subject, metric, min(reported_at) AS at, 0 AS pos
 FROM reports GROUP BY subject, metric),
base AS (SELECT subject, metric, at, pos, 0 AS ordinal, 0 AS revision, NULL AS value
 FROM starts),
suffix AS (
 SELECT r.report_id, r.subject, r.metric, r.reported_at, r.position, r.value,
  r.eligible AND r.retraction_position IS NULL AS live, b.ordinal, b.revision
 FROM reports r JOIN base b ON r.subject = b.subject AND r.metric = b.metric),
live AS (
 SELECT report_id, CASE WHEN value = lag(value) OVER (PARTITION BY subject, metric
  ORDER BY reported_at, position) THEN 0 ELSE 1 END AS changed
 FROM suffix WHERE live),
numbered AS (
 SELECT s.report_id, s.ordinal + row_number() OVER w AS ordinal,
  COALESCE(l.changed, 0) AS changed,
  s.revision + sum(COALESCE(l.changed, 0)) OVER w AS revision
 FROM suffix s LEFT JOIN live l ON l.report_id = s.report_id
 WINDOW w AS (PARTITION BY s.subject, s.metric ORDER BY s.reported_at, s.position
  ROWS UNBOUNDED PRECEDING))
UPDATE reports SET ordinal = n.ordinal, revision = n.revision, changed = (n.changed = 1)
FROM numbered n WHERE reports.report_id = n.report_id"""


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("ordinal", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("changed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
    op.execute(NUMBER_ALL)
    op.create_index(
        "ix_reports_revisions", "reports", ["subject", "metric", "changed", "revision", "position"]
    )


def downgrade() -> None:
    op.drop_index("ix_reports_revisions", table_name="reports")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("revision")
        batch.drop_column("changed")
        batch.drop_column("ordinal")
