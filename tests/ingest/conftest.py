"""Ingest tests poll feeds served on loopback, which the URL guard refuses unless allowed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.archive import Archive
from tests.conftest import open_archive


@pytest.fixture
def archive(database_url: str, tmp_path: Path) -> Iterator[Archive]:
    opened = open_archive(database_url, tmp_path, allow_private_feeds=True)
    yield opened
    opened.close()
