"""Token roles across the upgrade: tokens made before roles existed are writers, and the
migration can be undone."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import create_engine, inspect, text

from services.tokens import authenticate
from store.tokens import hash_token
from tests.conftest import open_archive
from tests.store import migrations

OLD_TOKEN = "rct_made-before-roles"


def test_tokens_made_before_roles_existed_are_writers(sqlite_url, tmp_path):
    engine = create_engine(sqlite_url)
    migrations.upgrade(engine, "0004")
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
    migrations.downgrade(engine, "0006")
    tables = inspect(engine)
    assert "feed_credentials" not in tables.get_table_names()
    assert "role" not in {c["name"] for c in tables.get_columns("api_tokens")}
    engine.dispose()
