"""The app in process over a real, migrated database; the demo feed when a test needs figures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ingest.sources import DEMO_FEED, DEMO_SUBJECT
from services.archive import Archive
from services.capture import ingest_source
from services.settings import Settings
from services.tokens import create_token
from tests.conftest import open_archive

SUBJECT = DEMO_SUBJECT


def settings_for(url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=url, signing_key_path=tmp_path / "signing.key")


@pytest.fixture
def empty_client(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    open_archive(database_url, tmp_path).close()
    with TestClient(create_app(settings_for(database_url, tmp_path))) as client:
        yield client


@pytest.fixture
def client(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A client over an archive loaded with the demo feed (the real seed articles)."""
    seeded = open_archive(database_url, tmp_path)
    ingest_source(seeded, str(DEMO_FEED), SUBJECT)
    seeded.close()
    with TestClient(create_app(settings_for(database_url, tmp_path))) as client:
        yield client


def archive_of(client: TestClient) -> Archive:
    archive: Archive = client.app.state.archive  # type: ignore[attr-defined]
    return archive


@pytest.fixture
def token(client: TestClient) -> str:
    return create_token(archive_of(client), "desk")


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
