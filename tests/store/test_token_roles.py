"""Token roles across the upgrade: tokens made before roles existed are writers, and the
migration can be undone."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.config import Config
from sqlalchemy import create_engine, inspect, text

from alembic import command
from services.tokens import authenticate
from store.database import MIGRATIONS
from store.tokens import hash_token
from tests.conftest import open_archive

OLD_TOKEN = "rct_made-before-roles"


def alembic_to(engine, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_tokens_made_before_roles_existed_are_writers(sqlite_url, tmp_path):
    engine = create_engine(sqlite_url)
    alembic_to(engine, "0004")
    row = {"token_id": "t1", "name": "desk", "token_hash": hash_token(OLD_TOKEN),
           "created_at": datetime.now(UTC), "revoked_at": None}  # fmt: skip
    insert = text(
        "INSERT INTO api_tokens (token_id, name, token_hash, created_at, revoked_at) "
        "VALUES (:token_id, :name, :token_hash, :created_at, :revoked_at)"
    )
    with engine.begin() as connection:
        connection.execute(insert, row)
    engine.dispose()
    archive = open_archive(sqlite_url, tmp_path)  # upgrades to head
    try:
        info = authenticate(archive, OLD_TOKEN)
        assert (info.name, info.role, info.is_editor) == ("desk", "writer", False)
    finally:
        archive.close()


def test_the_roles_and_secrets_migration_can_be_undone(sqlite_url, tmp_path):
    open_archive(sqlite_url, tmp_path).close()
    engine = create_engine(sqlite_url)
    alembic_to(engine, "0006", down=True)
    tables = inspect(engine)
    assert "feed_credentials" not in tables.get_table_names()
    assert "role" not in {c["name"] for c in tables.get_columns("api_tokens")}
    engine.dispose()
