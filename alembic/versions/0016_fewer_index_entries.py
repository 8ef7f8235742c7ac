"""Fewer index entries per append: each index is written by every event or report appended.

- `events.event_id` loses its unique index on PostgreSQL: no query looks an event up by its
  id (checked with EXPLAIN), and ids are UUID version 7 (74 random bits within a millisecond).
- `events.idempotency_key` is unique among the events that have one: a partial unique index
  on PostgreSQL, so the many events without a key write no entry. The look-up of keys
  (`idempotency_key IN (...)`) reads it as before.
- `ix_reports_document_id` holds only reports from a captured document (partial, both
  databases): every look-up is by `document_id = ...`, which such an index answers.

On SQLite the log's unique constraints are inline in its CREATE TABLE; changing them means
rebuilding the log table (and its append-only triggers), which this revision does not do.

Revision ID: 0016
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0016"
down_revision = "0013"
branch_labels = None
depends_on = None

HAS_DOCUMENT = sa.text("document_id IS NOT NULL")
HAS_KEY = sa.text("idempotency_key IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_reports_document_id", table_name="reports")
    op.create_index(
        "ix_reports_document_id",
        "reports",
        ["document_id"],
        postgresql_where=HAS_DOCUMENT,
        sqlite_where=HAS_DOCUMENT,
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_constraint("events_event_id_key", "events", type_="unique")
    op.drop_constraint("events_idempotency_key_key", "events", type_="unique")
    op.create_index(
        "uq_events_idempotency_key",
        "events",
        ["idempotency_key"],
        unique=True,
        postgresql_where=HAS_KEY,
    )


def downgrade() -> None:
    op.drop_index("ix_reports_document_id", table_name="reports")
    op.create_index("ix_reports_document_id", "reports", ["document_id"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("uq_events_idempotency_key", table_name="events")
    op.create_unique_constraint("events_idempotency_key_key", "events", ["idempotency_key"])
    op.create_unique_constraint("events_event_id_key", "events", ["event_id"])
