"""Subjects as first-class entities: their definitions, renames and merges, and routes.

- `subjects`: each subject a subject event named (title, description, routing rules, hidden,
  the name it moved to);
- `subject_links`: every rename and merge in log order;
- `document_routes`: the subjects each document version was captured or routed for, filled
  here from the documents already captured (each for the subject it was captured under), as
  a replay of the log would.
A document captured from a general feed keeps `""` as its `documents.subject` (the column
stays as it was, so the search index over it is untouched).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subjects",
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("moved_to", sa.String(length=200), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slug"),
    )
    op.create_table(
        "subject_links",
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("position"),
    )
    op.create_table(
        "document_routes",
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("document_id", "version", "subject"),
    )
    op.create_index("ix_document_routes_subject", "document_routes", ["subject"])
    op.execute(
        "INSERT INTO document_routes (document_id, version, subject, position) "
        "SELECT document_id, version, subject, position FROM documents WHERE subject <> ''"
    )


def downgrade() -> None:
    op.drop_index("ix_document_routes_subject", table_name="document_routes")
    op.drop_table("document_routes")
    op.drop_table("subject_links")
    op.drop_table("subjects")
