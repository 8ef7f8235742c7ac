"""Real databases for every test: a migrated SQLite file always, PostgreSQL when configured.

`database_url` is parametrized over the backends, so the store's contract suite runs once per
backend. Each PostgreSQL test gets a schema of its own on the server that
RECOUNT_TEST_POSTGRES_URL names, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from domain.addresses import parse_networks
from services.archive import Archive
from services.settings import Settings

POSTGRES_URL = os.environ.get("RECOUNT_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])
FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = FIXTURES / "seeds"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'recount.db'}"
        return
    yield from postgres_schema_url()


def postgres_schema_url() -> Iterator[str]:
    assert POSTGRES_URL is not None
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'recount.db'}"


def open_archive(url: str, tmp_path: Path, *, allow_private_feeds: bool = False) -> Archive:
    """`allow_private_feeds` opens loopback, as RECOUNT_ALLOW_PRIVATE_FEEDS=loopback does."""
    settings = Settings(
        database_url=url,
        signing_key_path=tmp_path / "signing.key",
        private_networks=parse_networks("loopback") if allow_private_feeds else (),
    )
    archive = Archive.open(settings)
    archive.migrate()
    return archive


@pytest.fixture
def archive(database_url: str, tmp_path: Path) -> Iterator[Archive]:
    opened = open_archive(database_url, tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def demo_feed() -> Path:
    from ingest.sources import DEMO_FEED

    return DEMO_FEED
