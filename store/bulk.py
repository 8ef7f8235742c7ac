"""A bulk load's secondary indexes: dropped before the rows go in, built again once after.

A replay fills emptied tables with the whole log's rows. Kept in step row by row, each index
of a table costs a B-tree descent and a page write per row, in the order the rows come (by
position, so random for an index on a subject or a report id); built once over the loaded
table, it is one sort and a sequential write. Only the indexes a statement could do without
are dropped: those backing a primary key or a unique constraint stay, since the load's own
upserts and updates find rows through them. The reports' timeline index is dropped too, but
built again as soon as a statement of the load is about to read it (`needed`): numbering a
figure again in SQL, after a retraction or a report dated before others, walks it
(store/ordinals.py). A log of news in order never does, and gets it built once at the end;
the first retraction builds it over the rows so far, and from then on it is kept row by row.

Both databases change their schema inside the caller's transaction: a failure rolls the
drops back with the rows. On PostgreSQL, DROP INDEX locks its table until the commit, so a
reader of the read models waits for the replay's end instead of reading the old rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, Table

SQLITE_INDEXES = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
    "AND tbl_name IN ({names}) ORDER BY name"
)
# B-tree indexes of these tables (found on the search path) that back no constraint. Not the
# documents' GIN index of their words: built once at the end it measured slower than kept
# row by row (4.2 s against about 3 s for 3,900 articles, most of a replay on PostgreSQL).
POSTGRES_INDEXES = (
    "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index AS x "
    "JOIN pg_class AS i ON i.oid = x.indexrelid "
    "WHERE x.indrelid IN (SELECT to_regclass(n) FROM unnest(%(names)s::text[]) AS n) "
    "AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = x.indexrelid) "
    "AND i.relam = (SELECT oid FROM pg_am WHERE amname = 'btree') "
    "ORDER BY i.relname"
)


DROPPED = "recount.bulk dropped"  # under this key in `connection.info`: name -> definition


@contextmanager
def indexes_built_at_the_end(connection: Connection, tables: Sequence[Table]) -> Iterator[None]:
    """Within the caller's transaction: the tables' secondary indexes dropped, then rebuilt.

    Rebuilt when the block ends without an error (those `needed` did not build earlier), from
    their own stored definitions; on an error the caller's rollback restores them.
    """
    found = _secondary_indexes(connection, [table.name for table in tables])
    for name, _ in found:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    dropped = connection.info[DROPPED] = dict(found)
    try:
        yield
    finally:
        connection.info.pop(DROPPED, None)
    for definition in dropped.values():
        connection.exec_driver_sql(definition)


def needed(connection: Connection, name: str) -> None:
    """A statement is about to read index `name`: if a load dropped it, built now, and kept
    row by row for the rest of the load. Outside a load, nothing to do."""
    dropped: dict[str, str] | None = connection.info.get(DROPPED)
    if dropped and name in dropped:
        connection.exec_driver_sql(dropped.pop(name))


def gather_statistics(connection: Connection, tables: Sequence[Table]) -> None:
    """PostgreSQL's planner statistics for tables a bulk load just filled, in its transaction.

    Until the tables are analyzed the planner guesses their sizes and spreads, and a freshly
    replayed or imported archive answered a figure through the wrong index, reading the
    figure's whole history (bench/README.md, the as-of pass), until autovacuum came by. SQLite
    keeps no statistics unless `ANALYZE` is run, and has none to go stale here.

    Each table's columns are named: then the statistics of an index's expression are left to
    autovacuum, as they were before any of this. The documents' search index is one (the
    words of every article, `to_tsvector`), and gathering its statistics stemmed each article
    again: 0.83 of the 1.0 s these statistics took after a 20,000-event replay, 0.03 s
    without it.
    """
    if connection.dialect.name == "postgresql" and tables:
        connection.exec_driver_sql("ANALYZE " + ", ".join(map(_with_columns, tables)))


def _with_columns(table: Table) -> str:
    return f'"{table.name}" (' + ", ".join(f'"{c.name}"' for c in table.columns) + ")"


def _secondary_indexes(connection: Connection, names: list[str]) -> list[tuple[str, str]]:
    if not names:
        return []
    if connection.dialect.name == "sqlite":
        quoted = ", ".join("'" + name.replace("'", "''") + "'" for name in names)
        rows = connection.exec_driver_sql(SQLITE_INDEXES.format(names=quoted)).all()
    else:
        rows = connection.exec_driver_sql(POSTGRES_INDEXES, {"names": names}).all()
    return [(str(name), str(definition)) for name, definition in rows]
