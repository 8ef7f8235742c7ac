"""The log on SQLite writes the index entries it does on PostgreSQL (0016): two fewer an event.

Every append writes one entry in each of the log's b-trees. On SQLite the table still had the
inline `UNIQUE (event_id)` and `UNIQUE (idempotency_key)` of its first CREATE TABLE:
- no query looks an event up by its id (EXPLAIN QUERY PLAN of the store's statements), and
  PostgreSQL has had no index on it since 0016; ids are UUID version 7, made by the store;
- the idempotency key stays unique among the events that have one, by a partial unique index
  (`uq_events_idempotency_key`, as on PostgreSQL): the many events without a key write no
  entry, and the look-up of keys (`idempotency_key IN (...)`) reads it as before.

SQLite cannot drop an inline constraint, so the log table is rebuilt: a new table with the same
columns, every row copied in position order, the old table dropped (a DROP runs no row
triggers), the new one renamed, then its indexes and its append-only triggers made again.
It runs in the migration's transaction: all or nothing. Copying costs one pass over the log.
PostgreSQL is unchanged.

Revision ID: 0018
Revises: 0014
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0014"
branch_labels = None
depends_on = None

COLUMNS = (
    "position, event_id, stream_id, version, type, data, metadata, recorded_at, "
    "idempotency_key, leaf_hash"
)
TABLE = """CREATE TABLE events_rebuilt (
	position INTEGER NOT NULL,
	event_id VARCHAR(36) NOT NULL,
	stream_id VARCHAR(300) NOT NULL,
	version INTEGER NOT NULL,
	type VARCHAR(100) NOT NULL,
	data JSON NOT NULL,
	metadata JSON NOT NULL,
	recorded_at DATETIME NOT NULL,
	idempotency_key VARCHAR(300),
	leaf_hash BLOB NOT NULL,
	PRIMARY KEY (position),
	{unique}CONSTRAINT uq_events_stream_version UNIQUE (stream_id, version)
)"""
INLINE = "UNIQUE (event_id),\n\tUNIQUE (idempotency_key),\n\t"  # as revision 0001 made them
# Written out, not imported from 0001: a migration stays as it was written.
TRIGGERS = [
    """CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END""",
]


def _rebuild(unique: str, key_index: str | None) -> None:
    op.execute(TABLE.format(unique=unique))
    op.execute(
        f"INSERT INTO events_rebuilt ({COLUMNS}) SELECT {COLUMNS} FROM events ORDER BY position"
    )
    op.execute("DROP TABLE events")  # its indexes and triggers go with it
    op.execute("ALTER TABLE events_rebuilt RENAME TO events")
    op.execute("CREATE INDEX ix_events_recorded_at ON events (recorded_at)")
    if key_index:
        op.execute(key_index)
    for trigger in TRIGGERS:
        op.execute(trigger)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild(
        "",
        "CREATE UNIQUE INDEX uq_events_idempotency_key ON events (idempotency_key) "
        "WHERE idempotency_key IS NOT NULL",
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild(INLINE, None)
