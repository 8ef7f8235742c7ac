"""A test database moved to one Alembic revision, up or down, as an operator's upgrade moves it:
how a test builds an archive from before a migration and then upgrades it."""

from __future__ import annotations

from collections.abc import Callable

from alembic.config import Config
from sqlalchemy import Engine

from alembic import command
from store.database import MIGRATIONS


def upgrade(engine: Engine, revision: str) -> None:
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, command.downgrade, revision)


def _run(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:  # alembic/env.py runs on the connection it is given
        config.attributes["connection"] = connection
        step(config, revision)
