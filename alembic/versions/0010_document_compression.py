"""Document bodies compressed with lz4 on PostgreSQL.

A captured article's text is stored twice: in its `DocumentCaptured` event (`events.data`, the
truth, hashed as it is) and in the `documents` projection (`documents.text`, for search and
Memento). PostgreSQL compresses a value once its row passes about 2 KB (a constant of the
server: `toast_tuple_target` does not lower it), with pglz unless told otherwise. Both columns
now use lz4 where the server has it (Debian's does): a little less tight than pglz on prose, but
several times faster to write and to read back, and an archive reads its articles far more
often than it writes them. Compression is below SQL: the JSON text, the leaf hashes and every
query are unchanged. Rows written before keep their method until the table is rewritten.

SQLite has no column compression; there the bodies stay plain (one machine, one file).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = (("events", "data"), ("documents", "text"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql" and _has_lz4():
        for table, column in COLUMNS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in COLUMNS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION default")


def _has_lz4() -> bool:
    """Whether this server was built with lz4: the setting then offers it."""
    found = op.get_bind().exec_driver_sql(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    )
    return bool(found.scalar())
