"""Full-text search over captured documents: SQLite FTS5, PostgreSQL text search.

On SQLite, `documents_fts` is an FTS5 index over the documents projection's title and text
(external content: the text is stored once, in `documents`), kept in step by triggers, so a
projection write or a replay's delete-and-rebuild updates it in the same transaction. On
PostgreSQL, a GIN index on the English text-search vector of title and text serves `@@` queries.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SQLITE_UP = [
    """CREATE VIRTUAL TABLE documents_fts USING fts5(
        title, text, content='documents', content_rowid='rowid', tokenize='porter unicode61'
    )""",
    """CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
        INSERT INTO documents_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
    END""",
    """CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
        INSERT INTO documents_fts(documents_fts, rowid, title, text)
        VALUES ('delete', old.rowid, old.title, old.text);
    END""",
    """CREATE TRIGGER documents_fts_update AFTER UPDATE ON documents BEGIN
        INSERT INTO documents_fts(documents_fts, rowid, title, text)
        VALUES ('delete', old.rowid, old.title, old.text);
        INSERT INTO documents_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
    END""",
    "INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER documents_fts_update",
    "DROP TRIGGER documents_fts_delete",
    "DROP TRIGGER documents_fts_insert",
    "DROP TABLE documents_fts",
]
POSTGRES_UP = [
    """CREATE INDEX ix_documents_search ON documents USING gin (
        to_tsvector('english', coalesce(title, '') || ' ' || text)
    )"""
]
POSTGRES_DOWN = ["DROP INDEX ix_documents_search"]


def upgrade() -> None:
    for statement in SQLITE_UP if _sqlite() else POSTGRES_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in SQLITE_DOWN if _sqlite() else POSTGRES_DOWN:
        op.execute(statement)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"
