"""What readiness and metrics read from a database: its schema revision and its feeds' polls."""

from __future__ import annotations

from functools import cache

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, select

from store.database import MIGRATIONS
from store.tables import feed_state, feeds


@cache
def head_revision() -> str | None:
    """The newest migration this code ships (read once: the files do not change under a process)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def schema_revision(engine: Engine) -> str | None:
    """The migration the database is at (None before `recount init`)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def feeds_by_last_poll(engine: Engine) -> dict[str, int]:
    """How many feeds (not removed) ended their last poll with each result (`never` if none)."""
    result = func.coalesce(feed_state.c.last_status, "never")
    query = (
        select(result, func.count())
        .select_from(feeds.outerjoin(feed_state, feed_state.c.feed_id == feeds.c.feed_id))
        .where(feeds.c.status != "removed")
        .group_by(result)
    )
    with engine.connect() as connection:
        return {str(name): int(count) for name, count in connection.execute(query)}
