"""Search: subjects by their slug, captured documents by their words.

Documents are searched with the database's own full-text engine (migration 0008): FTS5 with the
Porter stemmer on SQLite, an English text-search vector on PostgreSQL, so "died" finds "die".
The query is a person's words, never the engine's syntax: it is cut into words, each quoted,
all of them required. A document found in several versions is shown once, at its latest
matching version. Snippets mark matches with MARK_START and MARK_END, which the caller turns
into markup after escaping the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, bindparam, select, text, union

from store.tables import UTCDateTime, documents, figures

MARK_START, MARK_END = "\x02", "\x03"
WORDS = re.compile(r"\w+")
LIMIT = 20


@dataclass(frozen=True)
class DocumentHit:
    document_id: str
    version: int
    subject: str
    url: str
    title: str | None
    captured_at: datetime
    snippet: str


@dataclass(frozen=True)
class SearchResults:
    query: str
    subjects: list[str]
    documents: list[DocumentHit]


def words(query: str) -> list[str]:
    return WORDS.findall(query.lower())[:12]


def search(engine: Engine, query: str, limit: int = LIMIT) -> SearchResults:
    found = words(query)
    if not found:
        return SearchResults(query, [], [])
    return SearchResults(query, _subjects(engine, found), _documents(engine, found, limit))


def _subjects(engine: Engine, found: list[str]) -> list[str]:
    """Subjects whose slug holds every word ("kazakhstan 2022" finds kazakhstan-unrest-2022)."""
    names = union(select(figures.c.subject), select(documents.c.subject)).subquery()
    query = select(names.c.subject)
    for word in found:
        query = query.where(names.c.subject.contains(word, autoescape=True))
    with engine.connect() as connection:
        return sorted(connection.execute(query.limit(LIMIT)).scalars())


def _documents(engine: Engine, found: list[str], limit: int) -> list[DocumentHit]:
    if engine.dialect.name == "sqlite":
        statement = text(
            f"""SELECT d.document_id, d.version, d.subject, d.url, d.title, d.captured_at,
                   snippet(documents_fts, 1, '{MARK_START}', '{MARK_END}', '…', 16)
            FROM documents_fts JOIN documents AS d ON d.rowid = documents_fts.rowid
            WHERE documents_fts MATCH :match
            ORDER BY bm25(documents_fts), d.position DESC
            LIMIT :limit"""
        )
        match = " ".join('"' + word.replace('"', "") + '"' for word in found)
    else:
        statement = text(
            f"""SELECT d.document_id, d.version, d.subject, d.url, d.title, d.captured_at,
                   ts_headline('english', d.text, q, 'StartSel={MARK_START}, StopSel={MARK_END},
                               MaxWords=30, MinWords=12')
            FROM documents AS d, plainto_tsquery('english', :match) AS q
            WHERE to_tsvector('english', coalesce(d.title, '') || ' ' || d.text) @@ q
            ORDER BY ts_rank(to_tsvector('english', coalesce(d.title, '') || ' ' || d.text), q)
                     DESC, d.position DESC
            LIMIT :limit"""
        )
        match = " ".join(found)
    typed = statement.bindparams(bindparam("match"), bindparam("limit")).columns(
        captured_at=UTCDateTime()
    )
    hits: dict[str, DocumentHit] = {}
    with engine.connect() as connection:
        rows = connection.execute(typed, {"match": match, "limit": limit * 3})
        for row in rows:
            hit = DocumentHit(*row)
            known = hits.get(hit.document_id)
            if known is None or known.version < hit.version:
                hits[hit.document_id] = hit
    return list(hits.values())[:limit]


# --- a whole rebuild --------------------------------------------------------------------------

FTS_TRIGGERS = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'documents'"
)


@contextmanager
def indexed_at_the_end(connection: Connection) -> Iterator[None]:
    """Within a replay's (or an import's) transaction: SQLite's index built once, after the rows.

    Kept in step row by row through its triggers, the FTS5 index costs a replay more than
    every other table together (each article's words stemmed and merged in, and out again on
    the delete); rebuilt whole it costs a fraction. The triggers are dropped and made again
    from their own stored definitions, in the caller's transaction: a rollback brings them back.
    PostgreSQL's GIN index is left alone: built at the end it measured no faster.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    triggers = connection.exec_driver_sql(FTS_TRIGGERS).all()
    for name, _ in triggers:
        connection.exec_driver_sql(f"DROP TRIGGER {name}")
    if triggers:
        connection.exec_driver_sql("INSERT INTO documents_fts(documents_fts) VALUES ('delete-all')")
    yield
    if triggers:
        connection.exec_driver_sql("INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')")
    for _, definition in triggers:
        connection.exec_driver_sql(definition)
