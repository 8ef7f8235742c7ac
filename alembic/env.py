"""Alembic's entry: runs on the connection `recount init` hands it, or on RECOUNT_DATABASE_URL."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlmodel import SQLModel

import store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from alembic import context
from services.settings import Settings
from store.database import create_database_engine


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    url = context.config.get_main_option("sqlalchemy.url") or Settings.from_env().database_url
    with create_database_engine(url).begin() as connection:
        run(connection)
